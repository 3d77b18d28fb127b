<?php

return [
    'email' => 'admin@example.com',
    'language' => 'en',
    'name' => 'Demo Admin',
    'role' => 'admin'
];
<?php

/**
 * Options for the demo site. Folio reads the same literal PHP arrays Kirby does.
 */
return [
    'api' => [
        // Lets scripts on other machines call the API with HTTP Basic auth, as in
        // Kirby's "REST API access" guide. It is only accepted over HTTPS, so it needs
        // `folio serve --tls-cert ... --tls-key ...`; the browser example uses a
        // session and csrf() instead and works over plain HTTP.
        'basicAuth' => true
    ]
];

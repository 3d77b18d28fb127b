//! A mail catcher for tests: an SMTP server on 127.0.0.1 that accepts every
//! mail and keeps it, so a test can read the login code Folio sent.
//!
//! It speaks just enough SMTP for a client that behaves: EHLO/HELO, MAIL,
//! RCPT, DATA, RSET, NOOP, QUIT. The thread stops when the catcher is
//! dropped, also when a test fails.
#![allow(dead_code)] // each test crate uses a different part

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;

/// One caught mail.
#[derive(Debug, Clone)]
pub struct Caught {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent, dot-stuffing undone, CRLF line ends.
    pub data: String,
}

impl Caught {
    /// The value of header `name` (first one, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(v) = value.as_mut() {
                    v.push_str(line.trim_start());
                }
                continue;
            }
            if value.is_some() {
                break;
            }
            if let Some((key, rest)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                value = Some(rest.trim().to_owned());
            }
        }
        value
    }

    /// The text of the body, decoded from base64 when it is so sent.
    pub fn body(&self) -> String {
        let raw = self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let encoding = self.header("Content-Transfer-Encoding").unwrap_or_default();
        if encoding.eq_ignore_ascii_case("base64") {
            let compact: String = raw.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("base64 body");
            String::from_utf8(bytes).expect("UTF-8 body")
        } else {
            raw.to_owned()
        }
    }

    /// The first `123 456` group of the body, without the space.
    pub fn code(&self) -> Option<String> {
        let body = self.body();
        let chars: Vec<char> = body.chars().collect();
        chars.windows(7).enumerate().find_map(|(i, w)| {
            let digits = |s: &[char]| s.iter().all(|c| c.is_ascii_digit());
            let before_ok = i == 0 || !chars[i - 1].is_ascii_digit();
            let after_ok = chars.get(i + 7).is_none_or(|c| !c.is_ascii_digit());
            (digits(&w[..3]) && w[3] == ' ' && digits(&w[4..]) && before_ok && after_ok)
                .then(|| w.iter().filter(|c| c.is_ascii_digit()).collect())
        })
    }
}

type Inbox = Arc<(Mutex<Vec<Caught>>, Condvar)>;

/// The running catcher.
pub struct SmtpCatcher {
    pub port: u16,
    inbox: Inbox,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SmtpCatcher {
    pub fn start() -> SmtpCatcher {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the catcher");
        let port = listener.local_addr().unwrap().port();
        let inbox: Inbox = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (inbox, stop) = (inbox.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        let inbox = inbox.clone();
                        std::thread::spawn(move || serve(stream, &inbox));
                    }
                }
            })
        };
        SmtpCatcher {
            port,
            inbox,
            stop,
            thread: Some(thread),
        }
    }

    /// Every mail caught so far.
    pub fn mails(&self) -> Vec<Caught> {
        self.inbox.0.lock().unwrap().clone()
    }

    /// Waits until at least `count` mails are in, or panics after `timeout`.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Caught> {
        let deadline = Instant::now() + timeout;
        let (lock, ready) = &*self.inbox;
        let mut mails = lock.lock().unwrap();
        while mails.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "expected {count} mail(s), got {}",
                mails.len()
            );
            mails = ready.wait_timeout(mails, left).unwrap().0;
        }
        mails.clone()
    }
}

impl Drop for SmtpCatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(stream: TcpStream, inbox: &Inbox) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut say = |text: &str| writer.write_all(format!("{text}\r\n").as_bytes()).is_ok();
    if !say("220 catcher ready") {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        let verb = line
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let ok = match verb.as_str() {
            "EHLO" => say("250-catcher") && say("250 8BITMIME"),
            "HELO" | "NOOP" => say("250 ok"),
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                say("250 ok")
            }
            "MAIL" => {
                from = address(line);
                say("250 ok")
            }
            "RCPT" => {
                to.push(address(line));
                say("250 ok")
            }
            "DATA" => {
                if !say("354 end with a lone dot") {
                    return;
                }
                let Some(data) = read_data(&mut reader) else {
                    return;
                };
                let caught = Caught {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                };
                let (lock, ready) = &**inbox;
                lock.lock().unwrap().push(caught);
                ready.notify_all();
                say("250 queued")
            }
            "QUIT" => {
                say("221 bye");
                return;
            }
            _ => say("502 not here"),
        };
        if !ok {
            return;
        }
    }
}

fn address(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line.rfind('>').unwrap_or(line.len());
    line.get(start..end).unwrap_or("").to_owned()
}

fn read_data(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut data = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == ".\r\n" || line == ".\n" {
            return Some(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
}

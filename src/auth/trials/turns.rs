//! One login attempt at a time per address and per account.
//!
//! The trial limit is only as good as its order: check the counters, verify
//! the password (or code), count the failure. Attempts that overlap would
//! all pass the check before any of them is counted, so a burst of guesses
//! sent at once would get far more than `auth.trials` tries. Each attempt
//! therefore holds the turn of its address and of its e-mail from the check
//! until its failure is counted. Verification already runs in one lane
//! (`password`), so waiting for a turn costs a burst nothing it would not
//! have waited anyway; other addresses and accounts are not held up unless
//! they share a stripe.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use parking_lot::{Mutex, MutexGuard};

use crate::auth::basic::normalize_email;

/// How many locks the keys are spread over.
const STRIPES: usize = 64;

static TURNS: [Mutex<()>; STRIPES] = [const { Mutex::new(()) }; STRIPES];

/// The turn of one attempt; dropping it lets the next attempt in.
pub struct Turn {
    _held: Vec<MutexGuard<'static, ()>>,
}

/// Waits until no other attempt from `ip` or for `email` is between its
/// check and its count. Locks are taken in stripe order, so two attempts
/// can never wait for each other.
pub fn take_turn(ip: Option<IpAddr>, email: Option<&str>) -> Turn {
    let mut stripes = vec![stripe(&ip)];
    if let Some(email) = email {
        stripes.push(stripe(&normalize_email(email)));
    }
    stripes.sort_unstable();
    stripes.dedup();
    Turn {
        _held: stripes
            .into_iter()
            .map(|index| TURNS[index].lock())
            .collect(),
    }
}

fn stripe(key: &impl Hash) -> usize {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    (hasher.finish() % STRIPES as u64) as usize
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[test]
    fn attempts_for_one_account_never_overlap() {
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..8u8)
            .map(|n| {
                let (inside, most) = (inside.clone(), most.clone());
                std::thread::spawn(move || {
                    // Different addresses, one account (spelled differently).
                    let ip = Some(IpAddr::from([10, 0, 0, n]));
                    let email = if n % 2 == 0 {
                        "Ada@Example.com"
                    } else {
                        "ada@example.com "
                    };
                    let _turn = take_turn(ip, Some(email));
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_key_sharing_both_stripes_does_not_deadlock() {
        // The same key as address and e-mail stripe, or two keys on one
        // stripe, lock that stripe once.
        for n in 0..200u8 {
            let _turn = take_turn(Some(IpAddr::from([192, 168, 1, n])), Some("x@example.com"));
        }
    }
}

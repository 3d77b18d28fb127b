//! Connections per client: one address may hold only so many of the
//! server's connection slots.
//!
//! The global limit alone lets one client take every slot with connections
//! that trickle their bodies (or simply stay open), and so lock everyone
//! else out. A per-client cap makes that take many addresses. IPv6 clients
//! are counted per /64, since one host usually has a whole /64 to pick
//! addresses from. Peers the config trusts as proxies are not capped: every
//! visitor behind them shares their address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::config::{IpNet, any_contains};

/// Open connections per client key.
#[derive(Debug, Default)]
pub struct ClientSlots {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's slot; dropping it frees the slot.
pub struct ClientSlot {
    slots: Arc<ClientSlots>,
    key: Option<IpAddr>,
}

impl ClientSlots {
    /// A slot for a connection from `peer`, or `None` when that client
    /// already holds `cap` connections. Exempt peers always get one.
    pub fn take(
        self: &Arc<Self>,
        peer: IpAddr,
        cap: usize,
        exempt: &[IpNet],
    ) -> Option<ClientSlot> {
        let peer = peer.to_canonical();
        if any_contains(exempt, peer) {
            return Some(ClientSlot {
                slots: self.clone(),
                key: None,
            });
        }
        let key = client_key(peer);
        let mut open = self.open.lock();
        let count = open.entry(key).or_insert(0);
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            slots: self.clone(),
            key: Some(key),
        })
    }

    /// How many connections `peer`'s client holds now.
    #[cfg(test)]
    pub fn held_by(&self, peer: IpAddr) -> usize {
        let key = client_key(peer.to_canonical());
        self.open.lock().get(&key).copied().unwrap_or(0)
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut open = self.slots.open.lock();
        if let Some(count) = open.get_mut(&key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&key);
            }
        }
    }
}

/// The address itself for IPv4, its /64 network for IPv6.
fn client_key(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => peer,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_client_gets_at_most_its_cap_and_slots_come_back() {
        let slots = Arc::new(ClientSlots::default());
        let held: Vec<_> = (0..3)
            .map(|_| slots.take(ip("192.0.2.1"), 3, &[]).unwrap())
            .collect();
        assert!(slots.take(ip("192.0.2.1"), 3, &[]).is_none());
        assert!(
            slots.take(ip("::ffff:192.0.2.1"), 3, &[]).is_none(),
            "mapped is the same"
        );
        assert!(
            slots.take(ip("192.0.2.2"), 3, &[]).is_some(),
            "others are not held up"
        );
        drop(held);
        assert_eq!(slots.held_by(ip("192.0.2.1")), 0);
        assert!(slots.take(ip("192.0.2.1"), 3, &[]).is_some());
    }

    #[test]
    fn ipv6_clients_count_per_64() {
        let slots = Arc::new(ClientSlots::default());
        let _a = slots.take(ip("2001:db8:1:2::1"), 2, &[]).unwrap();
        let _b = slots.take(ip("2001:db8:1:2:ffff::9"), 2, &[]).unwrap();
        assert!(slots.take(ip("2001:db8:1:2::77"), 2, &[]).is_none());
        assert!(slots.take(ip("2001:db8:1:3::1"), 2, &[]).is_some());
    }

    #[test]
    fn trusted_proxies_are_not_capped() {
        let slots = Arc::new(ClientSlots::default());
        let proxy: IpNet = "10.0.0.0/8".parse().unwrap();
        let held: Vec<_> = (0..10)
            .map(|_| slots.take(ip("10.1.2.3"), 1, &[proxy]))
            .collect();
        assert!(held.iter().all(Option::is_some));
        assert_eq!(slots.held_by(ip("10.1.2.3")), 0);
    }
}

//! The requests this instance holds decoded, by nonce: each presentation
//! posted for one of them is checked without reading and decoding the
//! request again. A request never changes once recorded (its nonce is its
//! key, and the store refuses a second record), so what is held is what the
//! store holds; the store still decides every attempt. Requests recorded by
//! another instance sharing the store are decoded once, on first use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use credence::ProofRequest;

/// How many requests an instance holds decoded at most; beyond that, a
/// request is read from the store for each presentation.
pub const CAPACITY: usize = 8192;

/// A request held, with the end of its lifetime.
type Held = (Arc<ProofRequest>, u64);

/// Decoded requests by nonce, each with the end of its lifetime.
#[derive(Debug, Default)]
pub struct RequestCache {
    held: Mutex<HashMap<[u8; 32], Held>>,
}

impl RequestCache {
    /// The request with `nonce`, if held.
    pub fn get(&self, nonce: &[u8; 32]) -> Option<Arc<ProofRequest>> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.get(nonce).map(|(r, _)| Arc::clone(r))
    }

    /// Holds `request`, whose lifetime ends at `expires_at` (seconds since
    /// 1970-01-01 UTC), unless [`CAPACITY`] requests are held.
    pub fn insert(&self, request: Arc<ProofRequest>, expires_at: u64) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.len() < CAPACITY {
            held.insert(*request.nonce(), (request, expires_at));
        }
    }

    /// Lets go of every request whose lifetime ended at or before `now`.
    pub fn forget_expired(&self, now: u64) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.retain(|_, (_, expires_at)| *expires_at > now);
    }

    /// How many requests are held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use credence::fixtures::World;

    #[test]
    fn requests_are_held_until_they_expire_and_up_to_the_capacity() {
        let world = World::new();
        let request = |n: u8| {
            let predicates = credence::parse_policy("bank.liquidity_eur >= 1").unwrap();
            Arc::new(world.request(predicates).build_with_nonce([n; 32]).unwrap())
        };
        let cache = RequestCache::default();
        cache.insert(request(1), 100);
        cache.insert(request(2), 200);
        assert_eq!(cache.get(&[1; 32]).unwrap().nonce(), &[1; 32]);
        assert!(cache.get(&[3; 32]).is_none());
        cache.forget_expired(100);
        assert!(cache.get(&[1; 32]).is_none());
        assert!(cache.get(&[2; 32]).is_some());
        assert_eq!(cache.len(), 1);

        // Filled up to the capacity, it holds no more.
        let filler = (request(9), u64::MAX);
        {
            let mut held = cache.held.lock().unwrap();
            for i in held.len()..CAPACITY {
                let mut nonce = [0xee; 32];
                nonce[..8].copy_from_slice(&(i as u64).to_le_bytes());
                held.insert(nonce, filler.clone());
            }
        }
        cache.insert(request(4), 500);
        assert!(cache.get(&[4; 32]).is_none(), "held beyond the capacity");
        assert_eq!(cache.len(), CAPACITY);
        cache.forget_expired(u64::MAX - 1);
        assert_eq!(cache.len(), CAPACITY - 1);
    }
}

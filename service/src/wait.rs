//! Wake-ups for long polls: one [`Notify`] per request that someone waits
//! on, signalled when a presentation for it was settled or it was
//! cancelled in this process. Other instances sharing the store are seen by
//! the waiters' periodic re-reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

/// The most requests waited on at once; a long poll beyond it re-reads the
/// store periodically without being woken.
pub const MAX_WAITED: usize = 4096;

/// The requests waited on.
#[derive(Debug, Default)]
pub struct Notifier {
    waited: Mutex<HashMap<[u8; 32], Arc<Notify>>>,
}

/// A registration to be woken when request `nonce` changes; dropping it
/// unregisters.
#[derive(Debug)]
pub struct Subscription {
    notifier: Arc<Notifier>,
    nonce: [u8; 32],
    notify: Arc<Notify>,
}

impl Notifier {
    fn lock(&self) -> MutexGuard<'_, HashMap<[u8; 32], Arc<Notify>>> {
        // Every change is a single insert or remove: a panic while the map
        // was held left it consistent.
        self.waited.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a waiter on `nonce`; `None` when [`MAX_WAITED`] requests
    /// are waited on already.
    pub fn subscribe(self: &Arc<Self>, nonce: [u8; 32]) -> Option<Subscription> {
        let mut waited = self.lock();
        let notify = match waited.get(&nonce) {
            Some(n) => Arc::clone(n),
            None if waited.len() >= MAX_WAITED => return None,
            None => {
                let n = Arc::new(Notify::new());
                waited.insert(nonce, Arc::clone(&n));
                n
            }
        };
        Some(Subscription {
            notifier: Arc::clone(self),
            nonce,
            notify,
        })
    }

    /// Wakes every waiter on `nonce`.
    pub fn notify(&self, nonce: &[u8; 32]) {
        if let Some(n) = self.lock().get(nonce) {
            n.notify_waiters();
        }
    }
}

impl Subscription {
    /// The notification to await; enable it before re-reading the state, so
    /// that a change between the read and the wait is not missed.
    pub fn notify(&self) -> &Notify {
        &self.notify
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut waited = self.notifier.lock();
        // The map's reference and this one: the last waiter leaves.
        if Arc::strong_count(&self.notify) <= 2 {
            waited.remove(&self.nonce);
        }
    }
}

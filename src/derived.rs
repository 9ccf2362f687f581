//! A value computed from its owner's other fields and cached with them.

use std::fmt;
use std::ops::Deref;

/// A cache of a value derived from the other fields of the struct that holds
/// it: it takes no part in comparisons (two owners with equal fields have
/// equal derived values) and prints as `..` (its owner prints its sources).
#[derive(Clone, Default)]
pub(crate) struct Derived<T>(T);

impl<T> Derived<T> {
    /// Wraps a value computed from its owner's fields.
    pub fn new(value: T) -> Self {
        Derived(value)
    }
}

impl<T> Deref for Derived<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> PartialEq for Derived<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for Derived<T> {}

impl<T> fmt::Debug for Derived<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("..")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Owner {
        source: u8,
        cache: Derived<Vec<u8>>,
    }

    #[test]
    fn owners_compare_and_print_by_their_sources() {
        let a = Owner {
            source: 1,
            cache: Derived::new(vec![1]),
        };
        let b = Owner {
            source: 1,
            cache: Derived::new(vec![]),
        };
        assert_eq!(a, b);
        assert_ne!(
            a,
            Owner {
                source: 2,
                cache: Derived::new(vec![1])
            }
        );
        assert_eq!(format!("{a:?}"), "Owner { source: 1, cache: .. }");
        assert_eq!(a.cache.len(), 1);
    }
}

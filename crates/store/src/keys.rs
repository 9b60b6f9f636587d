//! What the store is keyed by — never personal data, nor an unkeyed hash of it.
//!
//! An 18-digit ID number has about 2³⁷ values: a plain or salted hash of one is reversed in
//! hours (ENISA 2019, §3.2). The dedupe cache is therefore keyed by an HMAC-SHA256 with a
//! secret [`Pepper`] kept outside the store, under a version prefix (`v1`) so that the pepper
//! can rotate: a new pepper gets a new version, and the old entries simply stop matching.
//!
//! Every key carries a Redis Cluster hash tag (`{…}`), so that each store operation touches
//! one slot:
//!
//! | key | form | one slot per |
//! | --- | --- | --- |
//! | rate limit | `shiming:rl:{<credential fingerprint>:<vendor>}` | credential and vendor |
//! | cache entry and its claim | `shiming:c:{v<version>:<hmac hex>}` | check |
//! | ledger | `shiming:ledger:{<namespace>}:…` | fleet |

use std::fmt;

/// The secret of the cache's HMAC: at least [`Pepper::MIN_BYTES`] bytes, given by the
/// operator (`SHIMING_CACHE_PEPPER`), never stored. `Debug` never shows it.
///
/// ```
/// use shiming_store::keys::Pepper;
/// assert!(Pepper::new(b"too short".to_vec()).is_err());
/// let p = Pepper::new(vec![7; 32]).unwrap();
/// assert_eq!(format!("{p:?}"), "Pepper { version: 1, .. }");
/// ```
pub struct Pepper {
    secret: Vec<u8>,
    version: u32,
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pepper")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A dedupe-cache key: `v<version>:` and the hex HMAC-SHA256, under the pepper, of the check
/// kind and the normalized elements (name, ID number, and the mobile for a three-element
/// check), each length-prefixed so that no two inputs share an encoding. [`CacheKey::redis_key`]
/// is the stored key, with its hash tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

/// A rate-limit key: a credential's fingerprint (the first 16 hex digits of the SHA-256 of the
/// credential id — an AppCode is 32 random hex digits, so the fingerprint reveals nothing) and
/// a vendor id. [`LimitKey::redis_key`] is the stored key, with its hash tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LimitKey(String);

/// What a cache key is about: the kind of check, as the cache must never answer a
/// three-element check with a two-element verdict.
///
/// ```
/// assert_eq!(shiming_store::keys::CheckKind::Three.code(), "three");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckKind {
    /// Name + ID number + mobile.
    Three,
    /// Name + ID number.
    Two,
}

impl CheckKind {
    /// `three` or `two`.
    ///
    /// ```
    /// assert_eq!(shiming_store::keys::CheckKind::Two.code(), "two");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            CheckKind::Three => "three",
            CheckKind::Two => "two",
        }
    }
}

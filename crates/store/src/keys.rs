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

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use shiming_core::{Identity, Vendor};

use crate::StoreError;

/// The environment variable [`Pepper::from_env`] reads the secret from.
///
/// ```
/// assert_eq!(shiming_store::keys::PEPPER_ENV, "SHIMING_CACHE_PEPPER");
/// ```
pub const PEPPER_ENV: &str = "SHIMING_CACHE_PEPPER";

/// The environment variable [`Pepper::from_env`] reads the pepper's version from (optional,
/// default 1).
///
/// ```
/// assert_eq!(shiming_store::keys::PEPPER_VERSION_ENV, "SHIMING_CACHE_PEPPER_VERSION");
/// ```
pub const PEPPER_VERSION_ENV: &str = "SHIMING_CACHE_PEPPER_VERSION";

/// The secret of the cache's HMAC: at least [`Pepper::MIN_BYTES`] bytes, given by the
/// operator (`SHIMING_CACHE_PEPPER`), never stored, and its version (default 1), which prefixes
/// every key made with it. To rotate, give the new secret a new version: keys made with the
/// old one stop matching, and their entries expire by themselves. `Debug` never shows the
/// secret.
///
/// ```
/// use shiming_store::keys::Pepper;
/// assert!(Pepper::new(b"too short".to_vec()).is_err());
/// let p = Pepper::new(vec![7; 32]).unwrap();
/// assert_eq!(format!("{p:?}"), "Pepper { version: 1, .. }");
/// assert_eq!(p.with_version(2).version(), 2);
/// ```
#[derive(Clone)]
pub struct Pepper {
    /// The HMAC keyed with the secret, before any input: each key starts from a copy.
    mac: Hmac<Sha256>,
    version: u32,
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pepper")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Pepper {
    /// The shortest secret accepted: 32 bytes, the output size of SHA-256 (RFC 2104 §3: a
    /// shorter key weakens the HMAC). `openssl rand -hex 32` prints a good one (64 bytes of
    /// text).
    ///
    /// ```
    /// assert_eq!(shiming_store::keys::Pepper::MIN_BYTES, 32);
    /// ```
    pub const MIN_BYTES: usize = 32;

    /// A pepper of version 1 from `secret`, refused (a [`StoreError::Config`], which never
    /// shows the secret) when shorter than [`Pepper::MIN_BYTES`].
    ///
    /// ```
    /// use shiming_store::keys::Pepper;
    /// let e = Pepper::new(vec![1; 31]).unwrap_err();
    /// assert_eq!(e.to_string(), "the store is misconfigured: the cache pepper has 31 bytes; it needs at least 32 (e.g. `openssl rand -hex 32`)");
    /// assert_eq!(Pepper::new(vec![1; 32]).unwrap().version(), 1);
    /// ```
    pub fn new(secret: Vec<u8>) -> Result<Pepper, StoreError> {
        if secret.len() < Pepper::MIN_BYTES {
            return Err(StoreError::Config(format!(
                "the cache pepper has {} bytes; it needs at least {} (e.g. `openssl rand -hex 32`)",
                secret.len(),
                Pepper::MIN_BYTES
            )));
        }
        // HMAC takes keys of every length; the error is there for other MACs.
        let mac = Hmac::<Sha256>::new_from_slice(&secret)
            .map_err(|_| StoreError::Config("the cache pepper cannot key an HMAC".into()))?;
        Ok(Pepper { mac, version: 1 })
    }

    /// The same secret under another version (the `v<version>:` of every key).
    ///
    /// ```
    /// let p = shiming_store::keys::Pepper::new(vec![7; 32]).unwrap().with_version(3);
    /// assert_eq!(p.version(), 3);
    /// ```
    #[must_use]
    pub fn with_version(self, version: u32) -> Pepper {
        Pepper { version, ..self }
    }

    /// The version, which prefixes every key made with this pepper.
    ///
    /// ```
    /// assert_eq!(shiming_store::keys::Pepper::new(vec![7; 32]).unwrap().version(), 1);
    /// ```
    #[must_use]
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The pepper of the environment: the bytes of [`PEPPER_ENV`] (`SHIMING_CACHE_PEPPER`) and
    /// the version in [`PEPPER_VERSION_ENV`] (`SHIMING_CACHE_PEPPER_VERSION`, default 1). The
    /// cache refuses to start without it: a missing, short or non-UTF-8 secret, or a version
    /// that is not a whole number, is a [`StoreError::Config`] that says which variable to set
    /// — never what it holds.
    ///
    /// ```
    /// // With SHIMING_CACHE_PEPPER unset:
    /// # if std::env::var_os("SHIMING_CACHE_PEPPER").is_none() {
    /// let e = shiming_store::keys::Pepper::from_env().unwrap_err();
    /// assert!(e.to_string().contains("SHIMING_CACHE_PEPPER is not set"));
    /// # }
    /// ```
    pub fn from_env() -> Result<Pepper, StoreError> {
        let read = |name: &str| match std::env::var(name) {
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(StoreError::Config(format!("{name} is not valid UTF-8")))
            }
        };
        Pepper::from_values(read(PEPPER_ENV)?, read(PEPPER_VERSION_ENV)?)
    }

    /// [`Pepper::from_env`] over the two values it read, so that tests need not change the
    /// process's environment.
    fn from_values(secret: Option<String>, version: Option<String>) -> Result<Pepper, StoreError> {
        let Some(secret) = secret else {
            return Err(StoreError::Config(format!(
                "{PEPPER_ENV} is not set: the dedupe cache needs a secret of at least {} bytes \
                 to key its entries without personal data (e.g. `openssl rand -hex 32`)",
                Pepper::MIN_BYTES
            )));
        };
        let pepper = Pepper::new(secret.into_bytes()).map_err(|e| match e {
            StoreError::Config(why) => StoreError::Config(format!("{PEPPER_ENV}: {why}")),
            other => other,
        })?;
        match version {
            None => Ok(pepper),
            Some(text) => match text.trim().parse::<u32>() {
                Ok(version) => Ok(pepper.with_version(version)),
                Err(_) => Err(StoreError::Config(format!(
                    "{PEPPER_VERSION_ENV} must be a whole number such as 2"
                ))),
            },
        }
    }
}

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

    /// What `identity` is checked as: [`CheckKind::Three`] with a mobile, [`CheckKind::Two`]
    /// without (as the router picks its vendors).
    ///
    /// ```
    /// use shiming_core::Identity;
    /// use shiming_store::keys::CheckKind;
    /// assert_eq!(CheckKind::of(&Identity::unchecked("吴秀英", "11010219560409026X", None)), CheckKind::Two);
    /// ```
    #[must_use]
    pub fn of(identity: &Identity) -> CheckKind {
        if identity.expose_mobile().is_some() {
            CheckKind::Three
        } else {
            CheckKind::Two
        }
    }
}

/// A dedupe-cache key: `v<version>:` and the hex HMAC-SHA256, under the pepper, of the check
/// kind and the normalized elements (name, ID number, and the mobile for a three-element
/// check), each length-prefixed so that no two inputs share an encoding. [`CacheKey::redis_key`]
/// is the stored key, with its hash tag.
///
/// Give it a checked identity ([`Identity::new`]): its elements are normalized, so the same
/// person typed two ways gets one key. An unchecked one is keyed as given, where two spellings
/// are two keys — a miss, never a wrong answer. A two-element key ignores the mobile; a
/// three-element key of an identity without one hashes an empty mobile, which no real
/// three-element check has. `Debug` shows the key, which holds no personal data.
///
/// ```
/// use shiming_core::{id_card::ValidationOptions, Date, Identity};
/// use shiming_store::keys::{CacheKey, CheckKind, Pepper};
/// let pepper = Pepper::new(vec![7; 32]).unwrap();
/// let today = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
/// let who = Identity::new("张三", "11010519491231002X", Some("13800138000"), &today).unwrap();
/// let key = CacheKey::new(&pepper, CheckKind::Three, &who);
/// assert!(key.as_str().starts_with("v1:"));
/// assert_eq!(key.as_str().len(), 3 + 64);
/// assert_eq!(key.redis_key(), format!("shiming:c:{{{}}}", key.as_str()));
/// assert!(!key.as_str().contains("13800138000"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

/// The label every cache key's HMAC input starts with, so that the pepper's HMAC of anything
/// else shiming might ever key never equals a cache key.
const CACHE_DOMAIN: &[u8] = b"shiming/cache-key";

impl CacheKey {
    /// The key of a `kind` check of `identity` under `pepper`.
    ///
    /// ```
    /// use shiming_core::Identity;
    /// use shiming_store::keys::{CacheKey, CheckKind, Pepper};
    /// let pepper = Pepper::new(vec![7; 32]).unwrap();
    /// let who = Identity::unchecked("张三", "11010519491231002X", None);
    /// assert_ne!(
    ///     CacheKey::new(&pepper, CheckKind::Two, &who),
    ///     CacheKey::new(&pepper.clone().with_version(2), CheckKind::Two, &who),
    /// );
    /// ```
    #[must_use]
    pub fn new(pepper: &Pepper, kind: CheckKind, identity: &Identity) -> CacheKey {
        let mut mac = pepper.mac.clone();
        let mut field = |bytes: &[u8]| {
            // Lengths are u64 so that no field is ever too long to prefix.
            mac.update(&(bytes.len() as u64).to_be_bytes());
            mac.update(bytes);
        };
        field(CACHE_DOMAIN);
        field(&pepper.version.to_be_bytes());
        field(kind.code().as_bytes());
        field(identity.expose_name().as_bytes());
        field(identity.expose_id().as_bytes());
        if kind == CheckKind::Three {
            field(identity.expose_mobile().unwrap_or("").as_bytes());
        }
        let digest = mac.finalize().into_bytes();
        CacheKey(format!("v{}:{}", pepper.version, hex(&digest)))
    }

    /// `v<version>:<64 hex digits>`.
    ///
    /// ```
    /// # use shiming_store::keys::{CacheKey, CheckKind, Pepper};
    /// let key = CacheKey::new(&Pepper::new(vec![7; 32]).unwrap(), CheckKind::Two, &shiming_core::Identity::unchecked("a", "b", None));
    /// assert!(key.as_str().starts_with("v1:"));
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key in Redis, whose hash tag is the whole key, so that an entry and its claim share
    /// one slot: `shiming:c:{v<version>:<hex>}`.
    ///
    /// ```
    /// # use shiming_store::keys::{CacheKey, CheckKind, Pepper};
    /// let key = CacheKey::new(&Pepper::new(vec![7; 32]).unwrap(), CheckKind::Two, &shiming_core::Identity::unchecked("a", "b", None));
    /// assert!(key.redis_key().starts_with("shiming:c:{v1:"));
    /// assert!(key.redis_key().ends_with('}'));
    /// ```
    #[must_use]
    pub fn redis_key(&self) -> String {
        format!("shiming:c:{{{}}}", self.0)
    }
}

/// A rate-limit key: a credential's fingerprint (the first 16 hex digits of the SHA-256 of the
/// credential id — an AppCode is 32 random hex digits, so the fingerprint reveals nothing, and
/// an operator who has the AppCode finds its keys with `sha256sum`) and a vendor.
/// [`LimitKey::redis_key`] is the stored key, with its hash tag. `Debug` shows the fingerprint,
/// never the credential.
///
/// ```
/// use shiming_core::Vendor;
/// use shiming_store::keys::LimitKey;
/// let key = LimitKey::new("0123456789abcdef0123456789abcdef", Vendor::Tel3);
/// assert_eq!(key.as_str(), "3eb1bd439947eb76:tel3");
/// assert_eq!(key.redis_key(), "shiming:rl:{3eb1bd439947eb76:tel3}");
/// assert_eq!(key.vendor(), Vendor::Tel3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LimitKey {
    key: String,
    vendor: Vendor,
}

impl LimitKey {
    /// The key of `credential_id` (the AppCode, or the AppKey of an AppKey/AppSecret pair —
    /// never the secret) at `vendor`.
    ///
    /// ```
    /// use shiming_core::Vendor;
    /// use shiming_store::keys::LimitKey;
    /// assert_ne!(LimitKey::new("a", Vendor::Tel3), LimitKey::new("a", Vendor::Sjsys));
    /// assert_ne!(LimitKey::new("a", Vendor::Tel3), LimitKey::new("b", Vendor::Tel3));
    /// ```
    #[must_use]
    pub fn new(credential_id: &str, vendor: Vendor) -> LimitKey {
        let digest = Sha256::digest(credential_id.as_bytes());
        let fingerprint = hex(&digest[..8]);
        LimitKey {
            key: format!("{fingerprint}:{}", vendor.id()),
            vendor,
        }
    }

    /// `<16 hex digits>:<vendor id>`.
    ///
    /// ```
    /// let key = shiming_store::keys::LimitKey::new("a", shiming_core::Vendor::Sfz2);
    /// assert!(key.as_str().ends_with(":sfz2"));
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The vendor.
    ///
    /// ```
    /// let key = shiming_store::keys::LimitKey::new("a", shiming_core::Vendor::Sfz2);
    /// assert_eq!(key.vendor(), shiming_core::Vendor::Sfz2);
    /// ```
    #[must_use]
    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    /// The key in Redis, one slot per credential and vendor: `shiming:rl:{<fingerprint>:<vendor>}`.
    ///
    /// ```
    /// let key = shiming_store::keys::LimitKey::new("a", shiming_core::Vendor::Sfz2);
    /// assert_eq!(key.redis_key(), format!("shiming:rl:{{{}}}", key.as_str()));
    /// ```
    #[must_use]
    pub fn redis_key(&self) -> String {
        format!("shiming:rl:{{{}}}", self.key)
    }
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::Md5;
    use sha1::Sha1;
    use shiming_core::id_card::ValidationOptions;
    use shiming_core::Date;

    fn pepper() -> Pepper {
        Pepper::new(b"a pepper of thirty-two bytes....".to_vec()).unwrap()
    }

    fn options() -> ValidationOptions {
        ValidationOptions::new(Date::new(2026, 11, 23).unwrap())
    }

    fn person(name: &str, id: &str, mobile: Option<&str>) -> Identity {
        Identity::new(name, id, mobile, &options()).unwrap()
    }

    /// Every plain, MD5, SHA-1 and SHA-256 form of `value` (hex, both cases).
    fn forms(value: &str) -> Vec<String> {
        let mut out = vec![value.to_string()];
        let digests = [
            Md5::digest(value.as_bytes()).to_vec(),
            Sha1::digest(value.as_bytes()).to_vec(),
            Sha256::digest(value.as_bytes()).to_vec(),
        ];
        for d in digests {
            out.push(hex(&d));
            out.push(hex(&d).to_uppercase());
        }
        out
    }

    #[test]
    fn keys_show_no_element_nor_an_unkeyed_hash_of_one() {
        let who = person("张三", "11010519491231002X", Some("13800138000"));
        let elements = [who.expose_name(), who.expose_id(), "13800138000"];
        for kind in [CheckKind::Three, CheckKind::Two] {
            let key = CacheKey::new(&pepper(), kind, &who);
            let shown = [
                key.as_str().to_string(),
                key.redis_key(),
                format!("{key:?}"),
            ];
            for element in elements {
                for form in forms(element) {
                    for text in &shown {
                        assert!(!text.contains(&form), "{text} holds a form of an element");
                        // Not even a 16-digit prefix of a hash.
                        if form.len() >= 32 {
                            assert!(!text.contains(&form[..16]), "{text}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn peppers_and_versions_change_every_key() {
        let who = person("张三", "11010519491231002X", Some("13800138000"));
        let other = Pepper::new(b"another pepper of thirty-two by.".to_vec()).unwrap();
        let a = CacheKey::new(&pepper(), CheckKind::Three, &who);
        let b = CacheKey::new(&other, CheckKind::Three, &who);
        let c = CacheKey::new(&pepper().with_version(2), CheckKind::Three, &who);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert!(c.as_str().starts_with("v2:"));
        // The version is inside the HMAC, not only its prefix.
        assert_ne!(a.as_str()[3..], c.as_str()[3..]);
        assert_eq!(a, CacheKey::new(&pepper(), CheckKind::Three, &who));
    }

    #[test]
    fn two_and_three_element_checks_differ() {
        let who = person("张三", "11010519491231002X", Some("13800138000"));
        let without = person("张三", "11010519491231002X", None);
        let three = CacheKey::new(&pepper(), CheckKind::Three, &who);
        let two = CacheKey::new(&pepper(), CheckKind::Two, &who);
        assert_ne!(three, two);
        // A two-element key ignores the mobile; a three-element key of no mobile is its own.
        assert_eq!(two, CacheKey::new(&pepper(), CheckKind::Two, &without));
        assert_ne!(three, CacheKey::new(&pepper(), CheckKind::Three, &without));
        assert_ne!(two, CacheKey::new(&pepper(), CheckKind::Three, &without));
    }

    #[test]
    fn one_person_written_two_ways_has_one_key() {
        let plain = person("张三", "11010519491231002X", Some("13800138000"));
        let pasted = person(" 张三 ", "11010519491231002x", Some("+86 138-0013-8000"));
        for kind in [CheckKind::Three, CheckKind::Two] {
            assert_eq!(
                CacheKey::new(&pepper(), kind, &plain),
                CacheKey::new(&pepper(), kind, &pasted)
            );
        }
        let someone_else = person("张四", "11010519491231002X", Some("13800138000"));
        assert_ne!(
            CacheKey::new(&pepper(), CheckKind::Three, &plain),
            CacheKey::new(&pepper(), CheckKind::Three, &someone_else)
        );
    }

    #[test]
    fn length_prefixes_keep_fields_apart() {
        // Moving characters between fields changes the key.
        let a = Identity::unchecked("ab", "c", Some("d"));
        let b = Identity::unchecked("a", "bc", Some("d"));
        let c = Identity::unchecked("a", "b", Some("cd"));
        let keys: Vec<CacheKey> = [a, b, c]
            .iter()
            .map(|who| CacheKey::new(&pepper(), CheckKind::Three, who))
            .collect();
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[1], keys[2]);
        assert_ne!(keys[0], keys[2]);
    }

    #[test]
    fn peppers_shorter_than_32_bytes_are_refused_without_being_shown() {
        let e = Pepper::new(b"0123456789abcdef0123456789abcde".to_vec()).unwrap_err();
        assert!(matches!(e, StoreError::Config(_)));
        assert!(!e.to_string().contains("0123456789"));
        assert!(Pepper::new(vec![0; 32]).is_ok());
        let p = Pepper::new(b"0123456789abcdef0123456789abcdef".to_vec()).unwrap();
        assert!(!format!("{p:?}").contains("0123"));
    }

    #[test]
    fn the_environment_must_hold_a_pepper() {
        let missing = Pepper::from_values(None, None).unwrap_err();
        assert!(missing
            .to_string()
            .contains("SHIMING_CACHE_PEPPER is not set"));
        let short = Pepper::from_values(Some("secret-but-short".into()), None).unwrap_err();
        assert!(short.to_string().contains("SHIMING_CACHE_PEPPER: "));
        assert!(!short.to_string().contains("secret-but-short"));
        let long = "x".repeat(64);
        assert_eq!(
            Pepper::from_values(Some(long.clone()), None)
                .unwrap()
                .version(),
            1
        );
        assert_eq!(
            Pepper::from_values(Some(long.clone()), Some(" 7 ".into()))
                .unwrap()
                .version(),
            7
        );
        let bad = Pepper::from_values(Some(long), Some("two".into())).unwrap_err();
        assert!(bad.to_string().contains("SHIMING_CACHE_PEPPER_VERSION"));
    }

    #[test]
    fn limit_keys_fingerprint_the_credential() {
        let appcode = "0123456789abcdef0123456789abcdef";
        let key = LimitKey::new(appcode, Vendor::Sjsys);
        let full = hex(&Sha256::digest(appcode.as_bytes()));
        assert_eq!(key.as_str(), format!("{}:sjsys", &full[..16]));
        assert!(!key.redis_key().contains(appcode));
        assert!(!format!("{key:?}").contains(appcode));
        assert!(!format!("{key:?}").contains(&full));
    }
}

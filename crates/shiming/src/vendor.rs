//! What the facade adds to the vendor catalogue (`shiming_core::Vendor`, re-exported as
//! [`crate::Vendor`]): whether this build holds a vendor's client. The catalogue itself — API
//! ids, product names, hosts, elements, default prices — is core's, so that the vendor crates
//! and the mock market read the same facts; what depends on this crate's cargo features (here)
//! or configuration ([`crate::config::env_prefix`]) stays in the facade.

use crate::Vendor;

/// Whether this build contains `vendor`'s client: the cargo feature of the same name (all
/// five by default).
///
/// ```
/// use shiming::{is_compiled_in, Vendor};
/// // With default features, all five are compiled in.
/// assert!(Vendor::ALL.into_iter().all(is_compiled_in));
/// ```
#[must_use]
pub const fn is_compiled_in(vendor: Vendor) -> bool {
    match vendor {
        Vendor::Tel3 => cfg!(feature = "tel3"),
        Vendor::Sxm3v2 => cfg!(feature = "sxm3v2"),
        Vendor::Sjsys => cfg!(feature = "sjsys"),
        Vendor::Sfz2 => cfg!(feature = "sfz2"),
        Vendor::Phonethird => cfg!(feature = "phonethird"),
        // A vendor added to the catalogue has no client here until the facade gets its
        // crate and feature.
        _ => false,
    }
}

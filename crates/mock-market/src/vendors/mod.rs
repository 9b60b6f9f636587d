//! The vendor layer: each API validates its parameters exactly as its document says and
//! answers from the [`Registry`], with the documented messages, codes and
//! statuses, and masked echoes in the vendor's own style.

use crate::{Params, Registry, Vendor, VendorAnswer};

mod common;
mod mask;
mod phonethird;
mod sfz2;
mod sjsys;
mod sxm3v2;
mod tel3;

#[cfg(test)]
mod tests;

/// What a vendor simulator may use besides the parameters.
#[derive(Debug, Clone, Copy)]
pub struct VendorContext<'a> {
    /// The synthetic people.
    pub registry: &'a Registry,
    /// A number unique to this request within the process (for `seqNo`, `traceId`).
    pub sequence: u64,
}

/// The vendor's answer to `params`: a 404 with an empty body (never billed) for a vendor the
/// catalogue lists and this market does not simulate (none today; see
/// [`crate::routing::path`]).
///
/// ```
/// use shiming_mock_market::{vendors, Params, Vendor, Registry};
/// let registry = Registry::builtin();
/// let ctx = vendors::VendorContext { registry: &registry, sequence: 1 };
/// let a = vendors::answer(Vendor::Tel3, &Params::default(), &ctx);
/// assert_eq!(a.status.as_u16(), 666);
/// ```
#[must_use]
pub fn answer(product: Vendor, params: &Params, ctx: &VendorContext<'_>) -> VendorAnswer {
    match product {
        Vendor::Tel3 => tel3::answer(params, ctx),
        Vendor::Sxm3v2 => sxm3v2::answer(params, ctx),
        Vendor::Sjsys => sjsys::answer(params, ctx),
        Vendor::Sfz2 => sfz2::answer(params, ctx),
        Vendor::Phonethird => phonethird::answer(params, ctx),
        _ => VendorAnswer::json(http::StatusCode::NOT_FOUND, ""),
    }
}

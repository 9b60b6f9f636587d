//! The vendor layer: each API validates its parameters exactly as its document says and
//! answers from the [`Registry`], with the documented messages, codes and
//! statuses, and masked echoes in the vendor's own style.

use crate::{Answer, Params, Product, Registry};

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

/// The vendor's answer to `params`.
///
/// ```
/// use shiming_mock_market::{vendors, Params, Product, Registry};
/// let registry = Registry::builtin();
/// let ctx = vendors::VendorContext { registry: &registry, sequence: 1 };
/// let a = vendors::answer(Product::Tel3, &Params::default(), &ctx);
/// assert_eq!(a.status.as_u16(), 666);
/// ```
#[must_use]
pub fn answer(product: Product, params: &Params, ctx: &VendorContext<'_>) -> Answer {
    match product {
        Product::Tel3 => tel3::answer(params, ctx),
        Product::Sxm3v2 => sxm3v2::answer(params, ctx),
        Product::Sjsys => sjsys::answer(params, ctx),
        Product::Sfz2 => sfz2::answer(params, ctx),
        Product::Phonethird => phonethird::answer(params, ctx),
    }
}

//! shiming client for `phonethird` (in progress).
#![deny(missing_docs)]

//! What can go wrong with the store itself.

/// The store could not be used: a backend that is down or answered something unexpected, or
/// a configuration that cannot work (a pepper too short). It never carries a key's input.
///
/// ```
/// let e = shiming_store::StoreError::Unavailable("connection refused".into());
/// assert_eq!(e.to_string(), "the store is unavailable: connection refused");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The backend cannot be reached or failed (Redis down, timed out).
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// The backend answered something this crate does not understand.
    #[error("the store answered something unexpected: {0}")]
    Protocol(String),
    /// The configuration cannot work (e.g. a pepper shorter than 32 bytes).
    #[error("the store is misconfigured: {0}")]
    Config(String),
    /// A reservation was settled that is not open in this store: settled already, or made
    /// by another store. Nothing was counted.
    #[error("reservation {0} is not open in this store (settled already?); nothing was counted")]
    UnknownReservation(u64),
}

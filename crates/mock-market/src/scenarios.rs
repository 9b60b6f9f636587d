//! Documented bodies replayed on request.
//!
//! Every answer body the vendor documents show or list (success and failure examples, every
//! message of the failure tables, every error code and status) is a file
//! `fixtures/vendors/<api>/<scenario>.json`, listed with its HTTP status, billing and source in
//! `fixtures/vendors/manifest.tsv`. `build.rs` checks the manifest and compiles the bodies into
//! the binary; nothing is read at run time. A request picks one with the header
//! `X-Mock-Scenario: <api>/<scenario>` (e.g. `tel3/fail-mobile`), and the mock answers it byte
//! for byte instead of consulting the registry.
//!
//! The bodies are compact JSON in the field order the documents show (their pretty-printing
//! is page layout), UTF-8, no trailing newline. Where a document is silent about a body's shape
//! the manifest's description says "assumed"; see `fixtures/README.md`.
//!
//! ```
//! use shiming_mock_market::{scenarios, Vendor};
//!
//! let s = scenarios::find("tel3/fail-mobile").unwrap();
//! assert_eq!(s.api, Vendor::Tel3);
//! assert_eq!(s.status.as_u16(), 666);
//! assert!(!s.billed);
//! assert_eq!(s.body, r#"{"ok":0,"msg":"手机号码有误"}"#.as_bytes());
//! ```

use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;
use http::StatusCode;

use crate::{Vendor, VendorAnswer};

/// One documented answer of one API.
///
/// ```
/// use shiming_mock_market::scenarios;
///
/// let s = scenarios::find("sjsys/code-10009").unwrap();
/// assert_eq!(s.name, "code-10009");
/// assert!(s.billed);
/// assert!(std::str::from_utf8(s.body).unwrap().contains("余额不足"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// The API that answers with this body.
    pub api: Vendor,
    /// The scenario's name within its API, kebab-case (`fail-mobile`).
    pub name: &'static str,
    /// The HTTP status the vendor sends it with: 200, or 666 for 拇指云's unbilled failures.
    pub status: StatusCode,
    /// Whether the gateway charges the call: the status is 2xx.
    pub billed: bool,
    /// The vendor document (file under `shared/seeds/`) the body comes from.
    pub seed: &'static str,
    /// What the body says, how it maps, and whether its shape is assumed.
    pub description: &'static str,
    /// The exact bytes sent.
    pub body: &'static [u8],
}

impl Scenario {
    /// The answer to send: [`Scenario::status`] and the body, unchanged.
    ///
    /// ```
    /// let a = shiming_mock_market::scenarios::find("sfz2/fail-id").unwrap().answer();
    /// assert_eq!(a.status, shiming_mock_market::VendorAnswer::status_666());
    /// assert_eq!(a.body.as_ref(), r#"{"ok":0,"msg":"身份证号码有误"}"#.as_bytes());
    /// ```
    #[must_use]
    pub fn answer(&self) -> VendorAnswer {
        VendorAnswer::json(self.status, Bytes::from_static(self.body))
    }

    /// The id a request names it by: `<api>/<name>`.
    ///
    /// ```
    /// let s = shiming_mock_market::scenarios::find("phonethird/status-203").unwrap();
    /// assert_eq!(s.id(), "phonethird/status-203");
    /// ```
    #[must_use]
    pub fn id(&self) -> String {
        format!("{}/{}", self.api.id(), self.name)
    }
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("api", &self.api)
            .field("name", &self.name)
            .field("status", &self.status.as_u16())
            .field("billed", &self.billed)
            .field("seed", &self.seed)
            .field("description", &self.description)
            .field("body", &String::from_utf8_lossy(self.body))
            .finish()
    }
}

/// The scenario named by `id` (`<api>/<name>`, exactly as in the manifest), if any.
///
/// ```
/// use shiming_mock_market::scenarios::find;
///
/// assert!(find("phonethird/status-207").is_some());
/// assert!(find("tel3/nope").is_none());
/// assert!(find("fail-mobile").is_none());
/// ```
#[must_use]
pub fn find(id: &str) -> Option<&'static Scenario> {
    let (api, name) = id.split_once('/')?;
    let api = Vendor::from_id(api)?;
    all().iter().find(|s| s.api == api && s.name == name)
}

/// Every scenario, in manifest order (grouped by API).
///
/// ```
/// use shiming_mock_market::{scenarios, Vendor};
///
/// let all = scenarios::all();
/// for p in Vendor::ALL {
///     assert!(all.iter().any(|s| s.api == p && s.name == "success"));
/// }
/// ```
#[must_use]
pub fn all() -> &'static [Scenario] {
    static ALL: OnceLock<Vec<Scenario>> = OnceLock::new();
    ALL.get_or_init(|| RAW.iter().map(Raw::scenario).collect())
}

/// A manifest row as `build.rs` writes it (a status code is not constructible in a `static`).
struct Raw {
    api: Vendor,
    name: &'static str,
    status: u16,
    billed: bool,
    seed: &'static str,
    description: &'static str,
    body: &'static [u8],
}

impl Raw {
    fn scenario(&self) -> Scenario {
        let status = if self.status == 666 {
            VendorAnswer::status_666()
        } else {
            // build.rs admits 100–999 only, so this cannot fail.
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        };
        Scenario {
            api: self.api,
            name: self.name,
            status,
            billed: self.billed,
            seed: self.seed,
            description: self.description,
            body: self.body,
        }
    }
}

static RAW: &[Raw] = include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

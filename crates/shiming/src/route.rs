//! One vendor in a router: its verifier, priority, price and switch.

use std::fmt;
use std::sync::Arc;

use shiming_core::{Error, Identity, ThreeElementVerifier, TwoElementVerifier, Verification};

use crate::{Elements, Price, Vendor};

/// The verifier behind a route.
#[derive(Clone)]
enum Check {
    Three(Arc<dyn ThreeElementVerifier>),
    Two(Arc<dyn TwoElementVerifier>),
}

/// One vendor a [`crate::Router`] may send a check to: a verifier, its priority (lower goes
/// first), its price per call, and whether it is enabled. The price defaults to
/// the catalogue's [`Vendor::default_price`] for a verifier whose id is one of the five
/// ([`Vendor::from_id`]), and to zero for any other.
///
/// ```
/// use shiming::{Price, Route};
/// use shiming::gateway::Credentials;
/// let tel3 = shiming::tel3::Tel3Client::new(Credentials::app_code("my-appcode"));
/// let route = Route::three(tel3).with_priority(2).with_price(Price::from_li(180));
/// assert_eq!(route.vendor(), "tel3");
/// assert_eq!(route.price().to_string(), "0.180");
/// assert!(route.is_enabled());
/// ```
#[derive(Clone)]
pub struct Route {
    vendor: &'static str,
    check: Check,
    priority: u32,
    price: Price,
    enabled: bool,
    credential: Option<Arc<str>>,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("vendor", &self.vendor)
            .field("elements", &self.elements())
            .field("priority", &self.priority)
            .field("price", &self.price.to_string())
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// The catalogue's default price for the verifier's exact API id; zero for a verifier the
/// catalogue does not list.
fn default_price(vendor: &str) -> Price {
    Vendor::from_id(vendor).map_or(Price::ZERO, Vendor::default_price)
}

impl Route {
    /// A route to a three-element (name + ID + mobile) verifier, priority 100.
    ///
    /// ```
    /// let c = shiming::sjsys::SjsysClient::new(shiming::gateway::Credentials::app_code("c"));
    /// assert_eq!(shiming::Route::three(c).elements(), shiming::Elements::Three);
    /// ```
    pub fn three(verifier: impl ThreeElementVerifier + 'static) -> Route {
        Route::three_shared(Arc::new(verifier))
    }

    /// [`Route::three`] for a verifier that is already shared.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let c = Arc::new(shiming::sjsys::SjsysClient::new(shiming::gateway::Credentials::app_code("c")));
    /// assert_eq!(shiming::Route::three_shared(c).vendor(), "sjsys");
    /// ```
    pub fn three_shared(verifier: Arc<dyn ThreeElementVerifier>) -> Route {
        let vendor = verifier.vendor();
        Route {
            vendor,
            check: Check::Three(verifier),
            priority: 100,
            price: default_price(vendor),
            enabled: true,
            credential: None,
        }
    }

    /// A route to a two-element (name + ID) verifier, priority 100.
    ///
    /// ```
    /// let c = shiming::sfz2::Sfz2Client::new(shiming::gateway::Credentials::app_code("c"));
    /// assert_eq!(shiming::Route::two(c).elements(), shiming::Elements::Two);
    /// ```
    pub fn two(verifier: impl TwoElementVerifier + 'static) -> Route {
        Route::two_shared(Arc::new(verifier))
    }

    /// [`Route::two`] for a verifier that is already shared.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let c = Arc::new(shiming::sfz2::Sfz2Client::new(shiming::gateway::Credentials::app_code("c")));
    /// assert_eq!(shiming::Route::two_shared(c).price().to_string(), "0.040");
    /// ```
    pub fn two_shared(verifier: Arc<dyn TwoElementVerifier>) -> Route {
        let vendor = verifier.vendor();
        Route {
            vendor,
            check: Check::Two(verifier),
            priority: 100,
            price: default_price(vendor),
            enabled: true,
            credential: None,
        }
    }

    /// Sets the priority: lower numbers are tried first (ties keep the order routes were
    /// added in).
    ///
    /// ```
    /// # let c = shiming::tel3::Tel3Client::new(shiming::gateway::Credentials::app_code("c"));
    /// assert_eq!(shiming::Route::three(c).with_priority(1).priority(), 1);
    /// ```
    #[must_use]
    pub fn with_priority(mut self, priority: u32) -> Route {
        self.priority = priority;
        self
    }

    /// Sets the price per billed call (what your package costs).
    ///
    /// ```
    /// # let c = shiming::tel3::Tel3Client::new(shiming::gateway::Credentials::app_code("c"));
    /// let r = shiming::Route::three(c).with_price(shiming::Price::from_li(180));
    /// assert_eq!(r.price().li(), 180);
    /// ```
    #[must_use]
    pub fn with_price(mut self, price: Price) -> Route {
        self.price = price;
        self
    }

    /// Enables or disables the route (a disabled route is never tried).
    ///
    /// ```
    /// # let c = shiming::tel3::Tel3Client::new(shiming::gateway::Credentials::app_code("c"));
    /// assert!(!shiming::Route::three(c).with_enabled(false).is_enabled());
    /// ```
    #[must_use]
    pub fn with_enabled(mut self, enabled: bool) -> Route {
        self.enabled = enabled;
        self
    }

    /// Names the credential this route calls with (the AppCode, or the AppKey of a key pair —
    /// never a secret), for the rate limit of a router with a store: routes that share a
    /// credential share its limit per vendor. The store keys it by a fingerprint only, and
    /// `Debug` never shows it. Without one, the route's limit is keyed by its vendor id.
    ///
    /// ```
    /// # let c = shiming::tel3::Tel3Client::new(shiming::gateway::Credentials::app_code("c"));
    /// let r = shiming::Route::three(c).with_credential("my-appcode");
    /// assert_eq!(r.credential(), "my-appcode");
    /// assert!(!format!("{r:?}").contains("my-appcode"));
    /// ```
    #[must_use]
    pub fn with_credential(mut self, credential_id: impl Into<String>) -> Route {
        self.credential = Some(Arc::from(credential_id.into()));
        self
    }

    /// The credential label the rate limit is keyed by: the one given to
    /// [`Route::with_credential`], else the vendor id.
    ///
    /// ```
    /// # let c = shiming::tel3::Tel3Client::new(shiming::gateway::Credentials::app_code("c"));
    /// assert_eq!(shiming::Route::three(c).credential(), "tel3");
    /// ```
    #[must_use]
    pub fn credential(&self) -> &str {
        self.credential.as_deref().unwrap_or(self.vendor)
    }

    /// The vendor API id, as the verifier names itself.
    ///
    /// ```
    /// # let c = shiming::tel3::Tel3Client::new(shiming::gateway::Credentials::app_code("c"));
    /// assert_eq!(shiming::Route::three(c).vendor(), "tel3");
    /// ```
    #[must_use]
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// What this route checks.
    ///
    /// ```
    /// # let c = shiming::tel3::Tel3Client::new(shiming::gateway::Credentials::app_code("c"));
    /// assert_eq!(shiming::Route::three(c).elements(), shiming::Elements::Three);
    /// ```
    #[must_use]
    pub fn elements(&self) -> Elements {
        match self.check {
            Check::Three(_) => Elements::Three,
            Check::Two(_) => Elements::Two,
        }
    }

    /// The priority (lower first).
    ///
    /// ```
    /// # let c = shiming::tel3::Tel3Client::new(shiming::gateway::Credentials::app_code("c"));
    /// assert_eq!(shiming::Route::three(c).priority(), 100);
    /// ```
    #[must_use]
    pub fn priority(&self) -> u32 {
        self.priority
    }

    /// The price per billed call.
    ///
    /// ```
    /// # let c = shiming::tel3::Tel3Client::new(shiming::gateway::Credentials::app_code("c"));
    /// assert_eq!(shiming::Route::three(c).price().to_string(), "0.200");
    /// ```
    #[must_use]
    pub fn price(&self) -> Price {
        self.price
    }

    /// Whether the route may be tried.
    ///
    /// ```
    /// # let c = shiming::tel3::Tel3Client::new(shiming::gateway::Credentials::app_code("c"));
    /// assert!(shiming::Route::three(c).is_enabled());
    /// ```
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Runs the check on this route's verifier.
    pub(crate) async fn run(&self, identity: &Identity) -> Result<Verification, Error> {
        match &self.check {
            Check::Three(v) => v.verify_three(identity).await,
            Check::Two(v) => v.verify_two(identity).await,
        }
    }
}

//! The five APIs the mock market sells, with their documented hosts, methods and paths.

use http::Method;

/// One marketplace product (one vendor API).
///
/// ```
/// use shiming_mock_market::Product;
/// assert_eq!(Product::from_path("/mobile3/check"), Some(Product::Sxm3v2));
/// assert_eq!(Product::Tel3.host(), "tel3.market.alicloudapi.com");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Product {
    /// 拇指云 手机三要素核验: `GET /mobile`.
    Tel3,
    /// 数勋 运营商三要素V2: `POST /mobile3/check` (JSON body; form accepted).
    Sxm3v2,
    /// 全网手机三要素核验: `POST /communication/personal/1979` (form body).
    Sjsys,
    /// 拇指云 身份证二要素核验: `GET /idcard`.
    Sfz2,
    /// 手机号三元素实名认证: `GET /mobileCheck`.
    Phonethird,
}

impl Product {
    /// Every product.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::Product::ALL.len(), 5);
    /// ```
    pub const ALL: [Product; 5] = [
        Product::Tel3,
        Product::Sxm3v2,
        Product::Sjsys,
        Product::Sfz2,
        Product::Phonethird,
    ];

    /// The API id used across shiming (`tel3`, …).
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::Product::Phonethird.id(), "phonethird");
    /// ```
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Product::Tel3 => "tel3",
            Product::Sxm3v2 => "sxm3v2",
            Product::Sjsys => "sjsys",
            Product::Sfz2 => "sfz2",
            Product::Phonethird => "phonethird",
        }
    }

    /// Parses an id produced by [`Product::id`].
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::Product::from_id("sfz2"), Some(shiming_mock_market::Product::Sfz2));
    /// ```
    #[must_use]
    pub fn from_id(id: &str) -> Option<Product> {
        Product::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The gateway host of the real product.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::Product::Sjsys.host(), "sjsys.market.alicloudapi.com");
    /// ```
    #[must_use]
    pub const fn host(self) -> &'static str {
        match self {
            Product::Tel3 => "tel3.market.alicloudapi.com",
            Product::Sxm3v2 => "sxm3v2.market.alicloudapi.com",
            Product::Sjsys => "sjsys.market.alicloudapi.com",
            Product::Sfz2 => "sfz2.market.alicloudapi.com",
            Product::Phonethird => "phonethird.market.alicloudapi.com",
        }
    }

    /// The documented method.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::Product::Sxm3v2.method(), http::Method::POST);
    /// ```
    #[must_use]
    pub fn method(self) -> Method {
        match self {
            Product::Tel3 | Product::Sfz2 | Product::Phonethird => Method::GET,
            Product::Sxm3v2 | Product::Sjsys => Method::POST,
        }
    }

    /// The documented path.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::Product::Sfz2.path(), "/idcard");
    /// ```
    #[must_use]
    pub const fn path(self) -> &'static str {
        match self {
            Product::Tel3 => "/mobile",
            Product::Sxm3v2 => "/mobile3/check",
            Product::Sjsys => "/communication/personal/1979",
            Product::Sfz2 => "/idcard",
            Product::Phonethird => "/mobileCheck",
        }
    }

    /// The product serving `path`, if any.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::Product::from_path("/nope"), None);
    /// ```
    #[must_use]
    pub fn from_path(path: &str) -> Option<Product> {
        Product::ALL.into_iter().find(|p| p.path() == path)
    }

    /// The product whose gateway host is `host` (port ignored, case-insensitive).
    ///
    /// ```
    /// use shiming_mock_market::Product;
    /// assert_eq!(Product::from_host("TEL3.market.alicloudapi.com:443"), Some(Product::Tel3));
    /// assert_eq!(Product::from_host("127.0.0.1:8080"), None);
    /// ```
    #[must_use]
    pub fn from_host(host: &str) -> Option<Product> {
        let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
        Product::ALL
            .into_iter()
            .find(|p| p.host().eq_ignore_ascii_case(name))
    }
}

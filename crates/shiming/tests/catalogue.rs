//! The facade, the vendor crates and the mock market read one vendor catalogue
//! (`shiming_core::Vendor`): the same type under each name, the vendor crates' constants, the
//! mock's routing by host, and a call from each client the configuration builds counted by the
//! mock under the vendor it was built for, at the catalogue's default price.

use shiming::config::Config;
use shiming::gateway::GatewayClient;
use shiming::{Elements, Identity, Router, Vendor};
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{routing, MockMarket};

/// The facade's `Vendor` is the mock market's: one type, so one set of facts.
#[test]
fn the_facade_and_the_mock_name_one_type() {
    fn same(vendor: shiming::Vendor) -> shiming_mock_market::Vendor {
        vendor
    }
    assert_eq!(same(Vendor::Tel3), shiming::core::Vendor::Tel3);
}

#[test]
fn vendor_crates_and_the_mock_take_ids_and_hosts_from_the_catalogue() {
    let crates = [
        (
            Vendor::Tel3,
            shiming::tel3::VENDOR,
            shiming::tel3::DEFAULT_ENDPOINT,
        ),
        (
            Vendor::Sxm3v2,
            shiming::sxm3v2::VENDOR,
            shiming::sxm3v2::DEFAULT_ENDPOINT,
        ),
        (
            Vendor::Sjsys,
            shiming::sjsys::VENDOR,
            shiming::sjsys::DEFAULT_ENDPOINT,
        ),
        (
            Vendor::Sfz2,
            shiming::sfz2::VENDOR,
            shiming::sfz2::DEFAULT_ENDPOINT,
        ),
        (
            Vendor::Phonethird,
            shiming::phonethird::VENDOR,
            shiming::phonethird::DEFAULT_ENDPOINT,
        ),
    ];
    assert_eq!(crates.len(), Vendor::ALL.len());
    for (vendor, id, endpoint) in crates {
        assert_eq!(id, vendor.id());
        assert_eq!(endpoint, vendor.default_endpoint());
        let host = endpoint.strip_prefix("https://").unwrap();
        assert_eq!(routing::by_host(host), Some(vendor), "{host}");
    }
}

#[tokio::test]
async fn each_configured_client_is_counted_by_the_mock_as_its_vendor() {
    let m = MockMarket::start().unwrap();
    let mut config =
        Config::from_toml_str("[vendors.phonethird]\nconsent_obtained_by_caller = true").unwrap();
    config.endpoint = Some(m.url());
    config.apply_env_from(|name| (name == "SHIMING_APPCODE").then(|| DEMO_APPCODE.to_string()));
    let routes = config
        .router(&GatewayClient::new())
        .expect("router")
        .routes()
        .to_vec();
    assert_eq!(routes.len(), Vendor::ALL.len());
    for route in routes {
        let vendor = Vendor::from_id(route.vendor()).unwrap();
        assert_eq!(route.elements(), vendor.elements());
        assert_eq!(route.price(), vendor.default_price());
        let who = match vendor.elements() {
            Elements::Three => {
                Identity::unchecked("陈思远", "330106198805160711", Some("13957120001"))
            }
            _ => Identity::unchecked("吴秀英", "11010219560409026X", None),
        };
        let routed = Router::builder()
            .route(route)
            .build()
            .verify(&who)
            .await
            .unwrap();
        assert_eq!(routed.verification.vendor, vendor.id());
        let usage = m.usage_of(DEMO_APPCODE, vendor);
        assert_eq!((usage.received, usage.charged), (1, 1), "{vendor}");
    }
}

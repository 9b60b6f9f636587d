//! Helpers around a running mock market (`shiming_mock_market::MockMarket`, started by each
//! test on a free port of its own).

use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, Vendor};

/// (received, charged) of `credential` (AppCode, AppKey or label) on `product`.
#[must_use]
pub fn usage(m: &MockHandle, credential: &str, product: Vendor) -> (u64, u64) {
    let u = m.usage_of(credential, product);
    (u.received, u.charged)
}

/// (received, charged) of the demo AppCode on `product`.
#[must_use]
pub fn demo_usage(m: &MockHandle, product: Vendor) -> (u64, u64) {
    usage(m, DEMO_APPCODE, product)
}

/// (received, charged) of every credential on every product together.
#[must_use]
pub fn total_usage(m: &MockHandle) -> (u64, u64) {
    m.usage()
        .iter()
        .fold((0, 0), |(r, c), u| (r + u.received, c + u.charged))
}

/// A `http://127.0.0.1:<port>` URL where nothing listens: a port bound, then released.
#[must_use]
pub fn nothing_listening() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

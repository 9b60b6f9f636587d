//! Starting a market in-process: [`MockMarket::start`] and [`MockMarket::builder`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::admin::AdminAccess;
use crate::config::MarketConfig;
use crate::console::{self, ConsoleSettings};
use crate::market::Market;
use crate::{server, Credential, Fault, JournalEntry, Pipeline, Registry, Throttle, Usage, Vendor};

/// Entry point for in-process use.
///
/// ```
/// let market = shiming_mock_market::MockMarket::start().unwrap();
/// assert!(market.url().starts_with("http://127.0.0.1:"));
/// ```
#[derive(Debug)]
pub struct MockMarket;

impl MockMarket {
    /// Starts a market with the demo credentials (README) on a free loopback port, on its own
    /// thread and runtime — so it works from plain tests and inside `#[tokio::test]` alike.
    ///
    /// ```
    /// let market = shiming_mock_market::MockMarket::start().unwrap();
    /// assert!(market.usage().is_empty());
    /// ```
    pub fn start() -> std::io::Result<MockHandle> {
        MockMarket::builder().start()
    }

    /// A market with the demo credentials that answers requests in memory, with no socket,
    /// thread or runtime: see [`Pipeline`].
    ///
    /// ```
    /// let market = shiming_mock_market::MockMarket::pipeline();
    /// let request = http::Request::get("/__admin/health").body(bytes::Bytes::new()).unwrap();
    /// assert_eq!(market.respond(request).response().unwrap().status(), 200);
    /// ```
    #[must_use]
    pub fn pipeline() -> Pipeline {
        MockMarket::builder().pipeline()
    }

    /// A builder to choose credentials, quota, throttling and limits.
    ///
    /// ```
    /// use shiming_mock_market::{Credential, MockMarket, Vendor};
    /// let market = MockMarket::builder()
    ///     .credential(Credential::app_code("my-code").only(&[Vendor::Tel3]))
    ///     .quota(3)
    ///     .start()
    ///     .unwrap();
    /// assert!(market.url().starts_with("http://"));
    /// ```
    pub fn builder() -> MockMarketBuilder {
        MockMarketBuilder::default()
    }
}

/// Configures a market before starting it.
#[derive(Debug, Clone)]
#[must_use]
pub struct MockMarketBuilder {
    config: MarketConfig,
    custom_credentials: bool,
    registry: Option<Registry>,
    listen: SocketAddr,
    console: Option<SocketAddr>,
    console_token: Option<String>,
    admin_token: Option<String>,
}

impl Default for MockMarketBuilder {
    fn default() -> MockMarketBuilder {
        MockMarketBuilder {
            config: MarketConfig::default(),
            custom_credentials: false,
            registry: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            console: None,
            console_token: None,
            admin_token: None,
        }
    }
}

impl MockMarketBuilder {
    /// Accepts `credential`. The first call replaces the demo credentials.
    ///
    /// ```
    /// let b = shiming_mock_market::MockMarket::builder().credential(shiming_mock_market::Credential::app_code("x"));
    /// # drop(b);
    /// ```
    pub fn credential(mut self, credential: Credential) -> MockMarketBuilder {
        if !self.custom_credentials {
            self.config.credentials.clear();
            self.custom_credentials = true;
        }
        self.config.credentials.push(credential);
        self
    }

    /// Every credential may be charged `quota` times per product.
    ///
    /// ```
    /// # drop(shiming_mock_market::MockMarket::builder().quota(10));
    /// ```
    pub fn quota(mut self, quota: u64) -> MockMarketBuilder {
        self.config.quota = Some(quota);
        self
    }

    /// Turns on flow control.
    ///
    /// ```
    /// # drop(shiming_mock_market::MockMarket::builder().throttle(shiming_mock_market::Throttle { per_second: 5, vpc_style: true }));
    /// ```
    pub fn throttle(mut self, throttle: Throttle) -> MockMarketBuilder {
        self.config.throttle = Some(throttle);
        self
    }

    /// Gateway errors also carry `X-Ca-Error-Code` (VPC instance style).
    ///
    /// ```
    /// # drop(shiming_mock_market::MockMarket::builder().vpc_error_codes(true));
    /// ```
    pub fn vpc_error_codes(mut self, on: bool) -> MockMarketBuilder {
        self.config.vpc_error_codes = on;
        self
    }

    /// Turns anti-replay on for the APIs of `products`: their signed requests must carry
    /// `X-Ca-Timestamp` and `X-Ca-Nonce`. Off by default (both optional, checked when
    /// present), as on the gateway.
    ///
    /// ```
    /// use shiming_mock_market::{MockMarket, Vendor};
    /// # drop(MockMarket::builder().anti_replay(&[Vendor::Tel3, Vendor::Sjsys]));
    /// ```
    pub fn anti_replay(mut self, products: &[Vendor]) -> MockMarketBuilder {
        self.config.anti_replay.extend(products.iter().copied());
        self
    }

    /// How long the `late` fault waits before answering.
    ///
    /// ```
    /// # drop(shiming_mock_market::MockMarket::builder().late_answer_delay(std::time::Duration::from_secs(2)));
    /// ```
    pub fn late_answer_delay(mut self, delay: Duration) -> MockMarketBuilder {
        self.config.late_answer_delay = delay;
        self
    }

    /// Replaces the whole configuration.
    ///
    /// ```
    /// # drop(shiming_mock_market::MockMarket::builder().config(shiming_mock_market::MarketConfig::default()));
    /// ```
    pub fn config(mut self, config: MarketConfig) -> MockMarketBuilder {
        self.config = config;
        self.custom_credentials = true;
        self
    }

    /// Answers from another registry of synthetic people.
    ///
    /// ```
    /// # drop(shiming_mock_market::MockMarket::builder().registry(shiming_mock_market::Registry::builtin()));
    /// ```
    pub fn registry(mut self, registry: Registry) -> MockMarketBuilder {
        self.registry = Some(registry);
        self
    }

    /// Listens on `addr` (default `127.0.0.1:0`, a free port).
    ///
    /// ```
    /// # drop(shiming_mock_market::MockMarket::builder().listen(([127, 0, 0, 1], 0).into()));
    /// ```
    pub fn listen(mut self, addr: SocketAddr) -> MockMarketBuilder {
        self.listen = addr;
        self
    }

    /// Also serves the web console (`/__console/`: the live journal, usage and quota,
    /// faults and the documented bodies, and the admin API the page calls) on `addr`, a port
    /// of its own (`127.0.0.1:0`: a free loopback port; see [`MockHandle::console_url`]).
    ///
    /// ```
    /// let m = shiming_mock_market::MockMarket::builder()
    ///     .console(([127, 0, 0, 1], 0).into())
    ///     .start()
    ///     .unwrap();
    /// assert!(m.console_url().unwrap().ends_with("/__console/"));
    /// ```
    pub fn console(mut self, addr: SocketAddr) -> MockMarketBuilder {
        self.console = Some(addr);
        self
    }

    /// The token every console page, event stream and API call must present
    /// (`Authorization: Bearer …` or `?token=…`). The command line requires one when the
    /// console listens off loopback.
    ///
    /// ```
    /// # drop(shiming_mock_market::MockMarket::builder().console_token("a-long-random-token"));
    /// ```
    pub fn console_token(mut self, token: impl Into<String>) -> MockMarketBuilder {
        self.console_token = Some(token.into());
        self
    }

    /// The token the admin API's changes (`POST /__admin/reset`, `quota`, `faults`,
    /// `scenarios`) on the market's own port must present (`Authorization: Bearer …` or
    /// `?token=…`). Without one, a market listening on loopback takes them from anyone who
    /// reaches the port, and a market listening on any other address refuses them (403);
    /// reading the admin API (health, journal, usage) stays open either way.
    ///
    /// ```
    /// let m = shiming_mock_market::MockMarket::builder().admin_token("a-long-random-token").start().unwrap();
    /// # drop(m);
    /// ```
    pub fn admin_token(mut self, token: impl Into<String>) -> MockMarketBuilder {
        self.admin_token = Some(token.into());
        self
    }

    /// Builds the market without binding anything: requests are handed to
    /// [`Pipeline::respond`] in memory (the listen address is ignored).
    ///
    /// ```
    /// use shiming_mock_market::{MockMarket, Vendor};
    /// let market = MockMarket::builder().quota(0).pipeline();
    /// let request = http::Request::get("/idcard")
    ///     .header("Authorization", "APPCODE shimingdemoappcode0000000000000")
    ///     .body(bytes::Bytes::new())
    ///     .unwrap();
    /// let response = market.respond(request).into_response().unwrap();
    /// assert_eq!(response.headers()["x-ca-error-message"], "Quota Exhausted");
    /// ```
    #[must_use]
    pub fn pipeline(self) -> Pipeline {
        Pipeline::new(Market::new(
            self.config,
            self.registry.unwrap_or_else(Registry::builtin),
        ))
    }

    /// Binds, then serves on a thread of its own until the handle is dropped or shut down.
    ///
    /// ```
    /// let m = shiming_mock_market::MockMarket::builder().start().unwrap();
    /// m.shutdown();
    /// ```
    pub fn start(self) -> std::io::Result<MockHandle> {
        let listener = std::net::TcpListener::bind(self.listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let console = match self.console {
            Some(console_addr) => {
                let console = std::net::TcpListener::bind(console_addr)?;
                console.set_nonblocking(true)?;
                let console_addr = console.local_addr()?;
                Some((console, console_addr))
            }
            None => None,
        };
        let console_addr = console.as_ref().map(|(_, addr)| *addr);
        let admin = match self.admin_token {
            Some(token) => AdminAccess::Token(token),
            None if addr.ip().is_loopback() => AdminAccess::Open,
            None => AdminAccess::Refused,
        };
        let settings = ConsoleSettings {
            market_url: format!("http://{addr}"),
            token: self.console_token,
        };
        let market = Arc::new(Market::new(
            self.config,
            self.registry.unwrap_or_else(Registry::builtin),
        ));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mock-market")
            .enable_all()
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = Arc::clone(&market);
        let thread = std::thread::Builder::new()
            .name("mock-market".into())
            .spawn(move || {
                runtime.block_on(async move {
                    if let Some((console, _)) = console {
                        match tokio::net::TcpListener::from_std(console) {
                            // Ends with the runtime, when the market stops.
                            Ok(console) => {
                                tokio::spawn(console::run(
                                    console,
                                    Arc::clone(&serving),
                                    settings,
                                    std::future::pending(),
                                ));
                            }
                            Err(e) => eprintln!("mock market: cannot serve the console: {e}"),
                        }
                    }
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            server::run(listener, serving, admin, async {
                                let _ = stopped.await;
                            })
                            .await;
                        }
                        Err(e) => eprintln!("mock market: cannot listen: {e}"),
                    }
                });
            })?;
        Ok(MockHandle {
            addr,
            console_addr,
            market,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A running market. Dropping it stops the server.
pub struct MockHandle {
    addr: SocketAddr,
    console_addr: Option<SocketAddr>,
    market: Arc<Market>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for MockHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockHandle")
            .field("url", &self.url())
            .finish()
    }
}

impl MockHandle {
    /// The base URL, e.g. `http://127.0.0.1:38211`.
    ///
    /// ```
    /// let m = shiming_mock_market::MockMarket::start().unwrap();
    /// assert!(m.url().contains(&m.addr().port().to_string()));
    /// ```
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The console's page, e.g. `http://127.0.0.1:38212/__console/`, when the market was
    /// started with [`MockMarketBuilder::console`].
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::MockMarket::start().unwrap().console_url(), None);
    /// ```
    #[must_use]
    pub fn console_url(&self) -> Option<String> {
        self.console_addr
            .map(|addr| format!("http://{addr}{}", console::PREFIX))
    }

    /// The bound address.
    ///
    /// ```
    /// assert!(shiming_mock_market::MockMarket::start().unwrap().addr().ip().is_loopback());
    /// ```
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Usage rows (received, charged, quota left) per credential and product.
    ///
    /// ```
    /// assert!(shiming_mock_market::MockMarket::start().unwrap().usage().is_empty());
    /// ```
    #[must_use]
    pub fn usage(&self) -> Vec<Usage> {
        self.market.state.usage()
    }

    /// The usage row of one credential (AppCode, AppKey or label) and product.
    ///
    /// ```
    /// use shiming_mock_market::{config::DEMO_APPCODE, MockMarket, Vendor};
    /// let m = MockMarket::start().unwrap();
    /// assert_eq!(m.usage_of(DEMO_APPCODE, Vendor::Tel3).charged, 0);
    /// ```
    #[must_use]
    pub fn usage_of(&self, credential: &str, product: Vendor) -> Usage {
        self.market.usage_of(credential, product)
    }

    /// TCP connections accepted since start (or the last reset): shows whether a client
    /// reuses its keep-alive connections.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::MockMarket::start().unwrap().connections(), 0);
    /// ```
    #[must_use]
    pub fn connections(&self) -> u64 {
        self.market.state.connections()
    }

    /// The journal, oldest first (masked).
    ///
    /// ```
    /// assert!(shiming_mock_market::MockMarket::start().unwrap().journal().is_empty());
    /// ```
    #[must_use]
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.market.state.journal()
    }

    /// Queues `fault` for the next `count` requests (of `product`, if given).
    ///
    /// ```
    /// let m = shiming_mock_market::MockMarket::start().unwrap();
    /// m.queue_fault(shiming_mock_market::Fault::Drop, 1, None);
    /// ```
    pub fn queue_fault(&self, fault: Fault, count: u64, product: Option<Vendor>) {
        self.market.state.queue_fault(fault, count, product);
    }

    /// Sets the charges left for `credential` (AppCode, AppKey or label) on `products`.
    ///
    /// ```
    /// use shiming_mock_market::{config::DEMO_APPCODE, MockMarket, Vendor};
    /// let m = MockMarket::start().unwrap();
    /// m.set_quota(DEMO_APPCODE, &[Vendor::Tel3], Some(0));
    /// assert_eq!(m.usage_of(DEMO_APPCODE, Vendor::Tel3).quota_left, Some(0));
    /// ```
    pub fn set_quota(&self, credential: &str, products: &[Vendor], quota: Option<u64>) {
        let label = self.market.label_of(credential);
        self.market.state.set_quota(&label, products, quota);
    }

    /// Forgets usage, journal, queued faults and nonces.
    ///
    /// ```
    /// shiming_mock_market::MockMarket::start().unwrap().reset();
    /// ```
    pub fn reset(&self) {
        self.market.state.reset();
    }

    /// Stops the server and waits for its thread (open requests get up to 5 s).
    ///
    /// ```
    /// shiming_mock_market::MockMarket::start().unwrap().shutdown();
    /// ```
    pub fn shutdown(mut self) {
        self.stop_now();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for MockHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}

//! Everything the router and the clients below it log at trace level, through a full routed
//! run against the mock market — five vendors, failover, a possible charge, a local refusal —
//! never contains a full name, ID number, mobile or AppCode.

use std::sync::{Arc, Mutex};

use shiming::config::Config;
use shiming::gateway::GatewayClient;
use shiming::Identity;
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{Fault, MockMarket, Product};

const PEOPLE: [(&str, &str, Option<&str>); 4] = [
    ("陈思远", "330106198805160711", Some("13957120001")),
    ("王五", "330106198805160711", Some("13957120001")),
    ("周子轩", "420106199906122155", Some("17092710005")),
    ("吴秀英", "11010219560409026X", None),
];

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn routed_runs_log_no_personal_data_or_credentials() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let m = MockMarket::start().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut config = Config::from_toml_str(
                "order = \"price\"\n[failover]\nafter_possible_charge = true\n[vendors.phonethird]\nconsent_obtained_by_caller = true\n",
            )
            .unwrap();
            config.endpoint = Some(m.url());
            config.apply_env_from(|n| (n == "SHIMING_APPCODE").then(|| DEMO_APPCODE.to_string()));
            let router = config.router(&GatewayClient::new());
            // Each vendor in turn answers, by using up the ones before it.
            let order = [Product::Sxm3v2, Product::Tel3, Product::Sjsys, Product::Phonethird];
            for used_up in 0..order.len() {
                m.reset();
                m.set_quota(DEMO_APPCODE, &order[..used_up], Some(0));
                for (name, id, mobile) in PEOPLE {
                    let _ = router.verify(&Identity::unchecked(name, id, mobile)).await;
                }
            }
            m.reset();
            m.queue_fault(Fault::Drop, 1, Some(Product::Sxm3v2));
            let (name, id, mobile) = PEOPLE[0];
            let _ = router.verify(&Identity::unchecked(name, id, mobile)).await;
            let _ = router
                .verify(&Identity::unchecked(name, "330106198805160712", mobile))
                .await;
        });
    });
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("shiming.route"),
        "route spans were recorded: {text}"
    );
    assert!(text.contains("failing over"), "failover was logged: {text}");
    for (name, id, mobile) in PEOPLE {
        for secret in [Some(name), Some(id), mobile].into_iter().flatten() {
            assert!(
                !text.contains(secret),
                "log output leaks {secret:?}:\n{text}"
            );
        }
    }
    for secret in [DEMO_APPCODE, "330106198805160712", "%E9%99%88"] {
        assert!(
            !text.contains(secret),
            "log output leaks {secret:?}:\n{text}"
        );
    }
}

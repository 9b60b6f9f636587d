//! Synthetic people, all distinct: valid names, 18-digit ID numbers with their check digits and
//! China Mobile numbers. None is in the mock's registry, which answers them `no_record` — a
//! verdict the router caches (one hour by default), so a second pass is all cache hits.

use shiming::core::id_card::generate::resident;
use shiming::core::{Date, Identity};

const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平",
];

/// The people numbered `from` to `from + count - 1`: person `i` has sequence number `i % 1000`
/// and a birth date `i / 1000` days after 1950-01-01 (so up to ~20 million distinct people).
pub fn people(from: usize, count: usize) -> Vec<Identity> {
    (from..from + count).map(person).collect()
}

fn person(i: usize) -> Identity {
    let days = -7_305 + (i / 1_000) as i64;
    let birth = Date::from_days_since_unix_epoch(days).unwrap_or(Date::new(1970, 1, 1).unwrap());
    let id = resident(330_106, birth, (i % 1_000) as u16).unwrap_or_default();
    let name = format!(
        "{}{}{}",
        SURNAMES[i % SURNAMES.len()],
        GIVEN[(i / SURNAMES.len()) % GIVEN.len()],
        GIVEN[(i / (SURNAMES.len() * GIVEN.len())) % GIVEN.len()]
    );
    let mobile = format!("139{:08}", i % 100_000_000);
    Identity::unchecked(&name, &id, Some(&mobile))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn people_are_distinct_and_valid() {
        let all = people(0, 5_000);
        let ids: HashSet<_> = all.iter().map(Identity::expose_id).collect();
        assert_eq!(ids.len(), all.len());
        let router = shiming::Router::builder().build();
        for p in &all {
            assert!(router.check_locally(p).is_ok(), "{}", p.expose_id());
        }
    }
}

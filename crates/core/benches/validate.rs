//! Criterion benchmarks of the offline validators (see BENCHMARKS.md).
//!
//! Run: `cargo bench -p shiming-core --bench validate`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use shiming_core::id_card::{self, ValidationOptions};
use shiming_core::{mobile, name, Date};

fn bench(c: &mut Criterion) {
    let today = Date::new(2026, 11, 23).expect("valid date");
    let lenient = ValidationOptions::new(today);
    let strict = lenient.strict(true);

    c.bench_function("id_card/parse_18_valid", |b| {
        b.iter(|| id_card::parse(black_box("11010519491231002X"), &lenient))
    });
    c.bench_function("id_card/parse_18_valid_strict", |b| {
        b.iter(|| id_card::parse(black_box("350521199003071235"), &strict))
    });
    c.bench_function("id_card/parse_18_bad_checksum", |b| {
        b.iter(|| id_card::parse(black_box("110105194912310021"), &lenient))
    });
    c.bench_function("id_card/parse_18_full_width", |b| {
        b.iter(|| id_card::parse(black_box("１１０１０５１９４９１２３１００２Ｘ"), &lenient))
    });
    c.bench_function("id_card/parse_15", |b| {
        b.iter(|| id_card::parse(black_box("110105491231002"), &lenient))
    });
    c.bench_function("mobile/parse", |b| {
        b.iter(|| mobile::parse(black_box("13800138000")))
    });
    c.bench_function("mobile/parse_prefixed", |b| {
        b.iter(|| mobile::parse(black_box("+86 138-0013-8000")))
    });
    c.bench_function("name/parse_han", |b| {
        b.iter(|| name::parse(black_box("欧阳娜娜")))
    });
    c.bench_function("name/parse_minority_dot", |b| {
        b.iter(|| name::parse(black_box("买买提•艾力")))
    });
    c.bench_function("name/parse_latin", |b| {
        b.iter(|| name::parse(black_box("John O'Neil-Smith")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Replays, on stable and without a fuzzer, every input the fuzz targets have kept: the
//! seeds made from `fixtures/`, the minimized corpus `fuzz/corpus/<target>/` and the inputs
//! that once failed, `fuzz/regressions/<target>/`. Also checks that `fuzz/` and [`TARGETS`]
//! list the same targets.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use shiming_fuzz_targets::seed::Fixtures;
use shiming_fuzz_targets::{corpus_dir, regressions_dir, repository_root, Target, TARGETS};

/// Runs `inputs` through `target`, returning a line per input that panicked.
fn replay<'a>(
    target: &Target,
    inputs: impl IntoIterator<Item = (String, &'a [u8])>,
) -> Vec<String> {
    inputs
        .into_iter()
        .filter_map(|(origin, input)| {
            catch_unwind(AssertUnwindSafe(|| (target.run)(input)))
                .err()
                .map(|_| format!("{}: {origin}", target.name))
        })
        .collect()
}

/// The files of `dir` (none if it does not exist), sorted, with their bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(PathBuf, Vec<u8>)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

fn replay_dir(target: &Target, dir: &Path) -> (usize, Vec<String>) {
    let files = files(dir);
    let failures = replay(
        target,
        files
            .iter()
            .map(|(path, bytes)| (path.display().to_string(), bytes.as_slice())),
    );
    (files.len(), failures)
}

fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} input(s) fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn seeds_from_fixtures_pass() {
    let fixtures = Fixtures::in_repository();
    let mut failures = Vec::new();
    for target in TARGETS {
        let seeds = (target.seeds)(&fixtures).unwrap_or_else(|e| panic!("{}: {e}", target.name));
        assert!(!seeds.is_empty(), "{} has no seeds", target.name);
        failures.extend(replay(
            target,
            seeds
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("seed {i}"), s.as_slice())),
        ));
    }
    assert_no_failures(&failures);
}

#[test]
fn corpus_passes() {
    let root = repository_root();
    let mut failures = Vec::new();
    for target in TARGETS {
        let (count, failed) = replay_dir(target, &corpus_dir(&root, target.name));
        assert!(
            count > 0,
            "fuzz/corpus/{} is empty: run `cargo xtask fuzz-seed {}`",
            target.name,
            target.name
        );
        failures.extend(failed);
    }
    assert_no_failures(&failures);
}

#[test]
fn regressions_pass() {
    let root = repository_root();
    let mut failures = Vec::new();
    for target in TARGETS {
        failures.extend(replay_dir(target, &regressions_dir(&root, target.name)).1);
    }
    assert_no_failures(&failures);
}

/// The names of the subdirectories (or, with `extension`, of the files with it) of `dir`.
fn names(dir: &Path, extension: Option<&str>) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeSet::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| match extension {
            Some(ext) => p.extension().is_some_and(|e| e == ext),
            None => p.is_dir(),
        })
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .collect()
}

#[test]
fn fuzz_directory_and_targets_agree() {
    let fuzz = repository_root().join("fuzz");
    let targets: BTreeSet<String> = TARGETS.iter().map(|t| t.name.to_owned()).collect();
    assert_eq!(targets.len(), TARGETS.len(), "target names are unique");
    assert_eq!(
        names(&fuzz.join("fuzz_targets"), Some("rs")),
        targets,
        "fuzz/fuzz_targets/*.rs"
    );
    let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for name in &targets {
        let source = std::fs::read_to_string(fuzz.join(format!("fuzz_targets/{name}.rs")))
            .expect("the target's source");
        assert!(
            source.contains(&format!("shiming_fuzz_targets::{name}(data)")),
            "fuzz/fuzz_targets/{name}.rs calls shiming_fuzz_targets::{name}"
        );
        assert!(
            manifest.contains(&format!("path = \"fuzz_targets/{name}.rs\"")),
            "fuzz/Cargo.toml has a [[bin]] for {name}"
        );
    }
    for dir in ["corpus", "regressions"] {
        let unknown: Vec<String> = names(&fuzz.join(dir), None)
            .difference(&targets)
            .cloned()
            .collect();
        assert!(unknown.is_empty(), "fuzz/{dir}/ of no target: {unknown:?}");
    }
}

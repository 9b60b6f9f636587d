//! `cargo xtask tidy`: the architecture invariants of `ARCHITECTURE.md`, checked mechanically.
//!
//! It reads the dependency graph from `cargo metadata --format-version 1 --no-deps` and the
//! source as text, and prints each violation as `path:line: rule: message`; it fails with the
//! count when there is any. The rules:
//!
//! * **`core-io`** — `shiming-core` does no I/O. No file of its source tree (every module reached
//!   from `src/lib.rs`, unit tests included, so they stay hermetic too) names `std::fs`,
//!   `std::net`, `std::process`, `std::env`, `std::io::{stdin, stdout, stderr}`, `SystemTime`,
//!   `Instant::now` or `tokio`, in a `use` (grouped imports are expanded: `use std::{fs, io}`
//!   counts), an expression or an attribute (`#[tokio::test]`), nor calls `print!`, `println!`,
//!   `eprint!`, `eprintln!` or `dbg!`. Comments are ignored entirely, doc comments included:
//!   a doctest is compiled as a crate of its own, an example for the reader, and never runs
//!   inside the library. Compile-time reads (`build.rs`, `include_str!`, `env!`) are how data
//!   gets in without I/O, and are allowed.
//! * **`core-deps`** — `shiming-core`'s `[dependencies]` and `[build-dependencies]` hold none of
//!   [`IO_CRATES`] (runtimes, HTTP, TLS, sockets, OS randomness, file-system helpers).
//! * **`layers`** — every published workspace crate has a floor in [`LAYERS`], and the table
//!   names nothing else: an entry that is no workspace member, or whose crate is
//!   `publish = false`, is a violation too (at the table). `[dependencies]` and
//!   `[build-dependencies]` point only to strictly lower floors (dev-dependencies may point
//!   anywhere: tests use the mock market). So the transport knows no vendor kit or vendor crate,
//!   no vendor crate knows another, and the mock market, beside the transport on floor 1,
//!   depends on `shiming-core` alone among workspace crates — never on the transport, the kit or
//!   a vendor crate. A crate missing from the table is `publish = false` (a tool such as
//!   `xtask` or `shiming-fuzz-targets`): tools may depend on anything, and nothing may depend on
//!   a tool — not even as a dev-dependency, except on [`TEST_SUPPORT`], the shared test support,
//!   which is a dev-dependency only.
//! * **`wire-format`** — only vendor crates know vendor wire formats. Outside the vendor crates
//!   (and the kit they share), non-test source
//!   1. names no vendor crate's `request` or `response` module (`shiming_tel3::response::decode`,
//!      `shiming::tel3::request::encode`, `use shiming_sjsys::{response, …}`) and no
//!      `decode_parts`: bodies are decoded by the clients, reached through the core traits;
//!   2. except in the mock market (which imitates the vendors from their documents, on purpose
//!      independently), declares no serde field and writes no string literal equal to a
//!      *distinctive* vendor wire name: every field name (after `rename`, `rename_all` and
//!      `alias`) of the serde structs in the vendor crates' and the kit's source, minus the plain
//!      words of [`COMMON_WIRE_NAMES`] (`code`, `msg`, …) — today `idCard`, `isFee`, `mob`,
//!      `mobileChannel`, `mobileType`, `resultDesc`, `seqNo`, `sfz`, `traceId` and `xm`. The list
//!      is derived afresh on every run, so a sixth vendor's fields join it by themselves; an empty
//!      list is itself a violation (the rule would check nothing).
//!
//!   Test code is exempt (items under `#[cfg(test)]` or `#[test]` and the files of modules
//!   declared under `#[cfg(test)]`), and so are tools (crates outside [`LAYERS`]): the fuzz
//!   targets drive the decoders directly.
//! * **`non-exhaustive`** — every `pub enum` of a published crate's library (every non-test
//!   module reached from its `lib.rs`; a binary's own modules are not public API) carries
//!   `#[non_exhaustive]`, doc comments and other attributes may stand between. The exceptions,
//!   each with its reason, are [`EXHAUSTIVE_ENUMS`]; an exception that matches nothing is a
//!   violation too, so the list stays true.
//! * **`unique-names`** — no two published crates' libraries declare a `pub struct`, `pub enum`,
//!   `pub type` or `pub trait` of the same name (non-test code; `pub(crate)` is not public), so
//!   a name in a `use` or a doc says which type it is. The one exception: the vendor crates'
//!   parallel wire types, [`PARALLEL_WIRE_TYPES`] (`response::Answer`, …), when only vendor
//!   crates declare them.
//! * **`arrows`** — ARCHITECTURE.md lists every arrow between published crates: the fenced
//!   block after the line [`ARROWS_MARK`], one `crate -> dependency, dependency` line per crate
//!   (`[dependencies]` and `[build-dependencies]` among published members; a crate that depends
//!   on none is left out). An arrow the code has and the list lacks, or the list has and the code
//!   lacks, is a violation at that block, so the picture of the house cannot drift.
//! * **`missing-docs`** — every published crate's `lib.rs` has `#![deny(missing_docs)]` (or
//!   `forbid`): rustc then refuses any undocumented public item, in every build.
//! * **`tidy`** — the checker's own trouble: a `mod` whose file is missing, a root that cannot
//!   be read.
//!
//! The checks are pure functions over tokens and metadata; [`run`] alone runs cargo and reads
//! files. The lexer is small and knows what a checker needs: comments, strings (raw ones too),
//! characters and lifetimes, so that `"std::fs"` in a string or `// std::fs` is never a path.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::util;

/// What a workspace crate is, for the rules that treat kinds of crate differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// `shiming-core`: offline validation and the shared vocabulary; no I/O.
    Core,
    /// `shiming-gateway`: HTTP, signing, classification, retries.
    Transport,
    /// The mock market: imitates the marketplace from fixtures.
    Mock,
    /// `shiming-store`: the state a fleet shares (rate limits, dedupe cache, budget ledger).
    Store,
    /// What the vendor crates share.
    Kit,
    /// One vendor API: the only crates that know its wire format.
    Vendor,
    /// `shiming`: re-exports and routing.
    Facade,
    /// `shiming-cli`: the command line.
    Cli,
    /// `shiming-console-assets`: the web console's embedded files, no dependencies.
    Assets,
}

/// A workspace crate's place in the dependency order.
#[derive(Clone, Copy, Debug)]
struct Layer {
    /// The package name.
    package: &'static str,
    /// `[dependencies]` point only to lower floors.
    floor: u8,
    /// What the crate is.
    role: Role,
}

/// Shorthand for the table below.
const fn layer(package: &'static str, floor: u8, role: Role) -> Layer {
    Layer {
        package,
        floor,
        role,
    }
}

/// Where [`LAYERS`] is, for violations about it.
const LAYERS_AT: (&str, u32) = (file!(), line!() + 6);

/// Every published workspace crate and nothing else, lowest floor first; adding a crate is one
/// line. [`check_table`] holds the table to the workspace: a published member missing here, an
/// entry that is no member and an entry whose crate is `publish = false` all fail. (`cargo
/// xtask package` reads which crates are published from `cargo metadata`, not from here.)
const LAYERS: &[Layer] = &[
    layer("shiming-core", 0, Role::Core),
    // The console's files: depend on nothing, served by the mock market and the command line.
    layer("shiming-console-assets", 0, Role::Assets),
    layer("shiming-gateway", 1, Role::Transport),
    // Beside the transport, so that it can depend on shiming-core alone.
    layer("shiming-mock-market", 1, Role::Mock),
    // Beside the transport too: it knows core's vocabulary and nothing of HTTP or vendors.
    layer("shiming-store", 1, Role::Store),
    layer("shiming-vendor-kit", 2, Role::Kit),
    layer("shiming-tel3", 3, Role::Vendor),
    layer("shiming-sxm3v2", 3, Role::Vendor),
    layer("shiming-sjsys", 3, Role::Vendor),
    layer("shiming-sfz2", 3, Role::Vendor),
    layer("shiming-phonethird", 3, Role::Vendor),
    layer("shiming", 4, Role::Facade),
    layer("shiming-cli", 5, Role::Cli),
];

/// The one tool crate other crates may use, and only as a dev-dependency: what the tests share
/// (manifest reader, mock market helpers, trace capture). Unpublished, so cargo drops it from a
/// package; the tests that use it are excluded from their crate's package.
const TEST_SUPPORT: &str = "shiming-test-support";

/// Crates that would give `shiming-core` I/O: async runtimes, HTTP, TLS, sockets, OS
/// randomness, file-system helpers.
const IO_CRATES: &[&str] = &[
    "async-std",
    "curl",
    "getrandom",
    "http",
    "http-body-util",
    "hyper",
    "hyper-rustls",
    "hyper-util",
    "isahc",
    "mio",
    "native-tls",
    "rand",
    "reqwest",
    "rustls",
    "smol",
    "socket2",
    "surf",
    "tempfile",
    "tokio",
    "tokio-rustls",
    "ureq",
    "walkdir",
];

/// Paths `shiming-core` must not name, with what they would reach.
const CORE_IO_PATHS: &[(&[&str], &str)] = &[
    (&["std", "fs"], "the file system"),
    (&["std", "net"], "the network"),
    (&["std", "process"], "processes"),
    (&["std", "env"], "the environment"),
    (&["std", "io", "stdin"], "standard input"),
    (&["std", "io", "stdout"], "standard output"),
    (&["std", "io", "stderr"], "standard error"),
    (&["SystemTime"], "the clock"),
    (&["Instant", "now"], "the clock"),
    (&["tokio"], "an async runtime"),
];

/// Macros `shiming-core` must not call: they write to the terminal.
const CORE_IO_MACROS: &[&str] = &["print", "println", "eprint", "eprintln", "dbg"];

/// Where [`COMMON_WIRE_NAMES`] is, for violations about it.
const COMMON_WIRE_NAMES_AT: (&str, u32) = (file!(), line!() + 4);

/// Vendor wire field names that are plain words any JSON may hold: a struct or string with
/// one of these says nothing about a vendor's format, so the `wire-format` rule skips them.
const COMMON_WIRE_NAMES: &[&str] = &[
    "address", "birthday", "code", "data", "match", "message", "mobile", "msg", "name", "ok",
    "result", "sex", "state", "status",
];

/// Where [`EXHAUSTIVE_ENUMS`] is, for violations about it.
const EXHAUSTIVE_ENUMS_AT: (&str, u32) = (file!(), line!() + 3);

/// Public enums that are deliberately exhaustive: (package, enum, reason).
const EXHAUSTIVE_ENUMS: &[(&str, &str, &str)] = &[(
    "shiming-core",
    "Outcome",
    "a verdict or an error, like a `Result`: its cases grow inside `Verdict` and `ErrorKind`",
)];

/// The names the vendor crates' parallel wire types share, the one exception to `unique-names`:
/// each names the same role in crates never imported together, and a sixth vendor starts as a
/// copied crate. Shared by vendor crates only; any other crate declaring one still fails.
const PARALLEL_WIRE_TYPES: &[&str] = &["Answer", "Data", "CatalogueEntry"];

/// Runs every check on the workspace and fails when any invariant is broken.
pub fn run() -> util::Result<()> {
    let root = util::root();
    let packages = parse_metadata(&util::metadata()?)?;
    let crates = packages.len();
    let read = |path: &Path| std::fs::read_to_string(root.join(path)).ok();
    let mut violations = check_table(&packages, LAYERS);
    let architecture = read(Path::new(ARCHITECTURE)).unwrap_or_default();
    violations.extend(check_arrows(&packages, &architecture));
    violations.extend(check(packages, &read));
    violations.sort();
    for v in &violations {
        println!("{v}");
    }
    if violations.is_empty() {
        eprintln!("tidy: the invariants of ARCHITECTURE.md hold ({crates} crates)");
        Ok(())
    } else {
        Err(format!(
            "tidy: {} violation(s) of the invariants of ARCHITECTURE.md",
            violations.len()
        )
        .into())
    }
}

// ---------------------------------------------------------------------------------------------
// The model: packages from `cargo metadata`, source files as tokens, violations.

/// One broken invariant, printed as `path:line: rule: message`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    /// Relative to the workspace root.
    path: PathBuf,
    /// 1-based.
    line: u32,
    /// The rule's name (`core-io`, `layers`, …).
    rule: &'static str,
    /// What is wrong and what the rule wants.
    message: String,
}

impl Violation {
    /// A violation at `path:line`.
    fn new(path: &Path, line: u32, rule: &'static str, message: impl Into<String>) -> Self {
        Violation {
            path: path.to_path_buf(),
            line,
            rule,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.path.display(),
            self.line,
            self.rule,
            self.message
        )
    }
}

/// The kind of a dependency, as `cargo metadata` says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DepKind {
    /// `[dependencies]`.
    Normal,
    /// `[build-dependencies]`.
    Build,
    /// `[dev-dependencies]`.
    Dev,
}

/// One dependency of a package.
#[derive(Clone, Debug)]
struct Dep {
    /// The package depended on (not its rename).
    name: String,
    /// Which table it is in.
    kind: DepKind,
}

/// A workspace package, from `cargo metadata`.
#[derive(Clone, Debug, Default)]
struct Package {
    /// The package name.
    name: String,
    /// `Cargo.toml`, relative to the workspace root.
    manifest: PathBuf,
    /// The manifest's text (for line numbers); empty until loaded.
    manifest_text: String,
    /// No `publish = false`.
    published: bool,
    /// Every dependency, workspace or not.
    deps: Vec<Dep>,
    /// The library's root file, relative to the workspace root.
    lib_root: Option<PathBuf>,
    /// The binaries' root files.
    bin_roots: Vec<PathBuf>,
}

impl Package {
    /// The crate's place in [`LAYERS`], if it has one.
    fn layer(&self) -> Option<&'static Layer> {
        layer_of(&self.name)
    }

    /// Its role, if it is in [`LAYERS`].
    fn role(&self) -> Option<Role> {
        self.layer().map(|l| l.role)
    }
}

/// The entry of [`LAYERS`] for `package`.
fn layer_of(package: &str) -> Option<&'static Layer> {
    LAYERS.iter().find(|l| l.package == package)
}

/// The packages of `cargo metadata --format-version 1 --no-deps` output, with paths relative to
/// the workspace root.
fn parse_metadata(json: &str) -> Result<Vec<Package>, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("cargo metadata: {e}"))?;
    let root = PathBuf::from(
        value["workspace_root"]
            .as_str()
            .ok_or("cargo metadata: no workspace_root")?,
    );
    let relative = |p: &str| {
        let p = Path::new(p);
        p.strip_prefix(&root).unwrap_or(p).to_path_buf()
    };
    let packages = value["packages"]
        .as_array()
        .ok_or("cargo metadata: no packages")?;
    let mut out = Vec::new();
    for p in packages {
        let name = p["name"]
            .as_str()
            .ok_or("cargo metadata: a package without a name")?;
        let manifest = p["manifest_path"]
            .as_str()
            .ok_or_else(|| format!("cargo metadata: {name} has no manifest_path"))?;
        let published = util::is_published(p);
        let mut deps = Vec::new();
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let dep = d["name"]
                .as_str()
                .ok_or_else(|| format!("cargo metadata: a dependency of {name} has no name"))?;
            let kind = match d["kind"].as_str() {
                None => DepKind::Normal,
                Some("build") => DepKind::Build,
                Some("dev") => DepKind::Dev,
                Some(other) => return Err(format!("cargo metadata: dependency kind {other}")),
            };
            deps.push(Dep {
                name: dep.to_string(),
                kind,
            });
        }
        let mut lib_root = None;
        let mut bin_roots = Vec::new();
        for t in p["targets"].as_array().into_iter().flatten() {
            let Some(src) = t["src_path"].as_str() else {
                continue;
            };
            let kinds: Vec<&str> = t["kind"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k.as_str())
                .collect();
            let is_lib = kinds.iter().any(|k| {
                matches!(
                    *k,
                    "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro"
                )
            });
            if is_lib {
                lib_root = Some(relative(src));
            } else if kinds.contains(&"bin") {
                bin_roots.push(relative(src));
            }
        }
        out.push(Package {
            name: name.to_string(),
            manifest: relative(manifest),
            manifest_text: String::new(),
            published,
            deps,
            lib_root,
            bin_roots,
        });
    }
    Ok(out)
}

/// One source file of a crate.
#[derive(Clone, Debug)]
struct SourceFile {
    /// Relative to the workspace root.
    path: PathBuf,
    /// Every token (comments are never tokens).
    tokens: Vec<Token>,
    /// The tokens outside test code.
    code: Vec<Token>,
    /// Reached only through modules declared under `#[cfg(test)]`.
    test_only: bool,
    /// Reached from the library's root (else from a binary's only).
    in_lib: bool,
}

/// Reads a file relative to the workspace root; `None` when it does not exist.
type Read<'a> = &'a dyn Fn(&Path) -> Option<String>;

/// Loads what the checks need (manifests, source trees) through `read` and runs every check
/// but [`check_table`] (which [`run`] adds: the tests' workspaces are smaller than [`LAYERS`]).
fn check(mut packages: Vec<Package>, read: Read<'_>) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut sources: BTreeMap<String, Vec<SourceFile>> = BTreeMap::new();
    for p in &mut packages {
        p.manifest_text = read(&p.manifest).unwrap_or_default();
        if p.layer().is_some() || p.published {
            let (files, trouble) = crate_files(p.lib_root.as_deref(), &p.bin_roots, read);
            violations.extend(trouble);
            sources.insert(p.name.clone(), files);
        }
    }
    let files_of = |p: &Package| sources.get(&p.name).map_or(&[][..], Vec::as_slice);

    violations.extend(check_layers(&packages));
    for p in &packages {
        if p.role() == Some(Role::Core) {
            violations.extend(check_core_deps(p));
            for f in files_of(p) {
                violations.extend(check_core_io(&f.path, &f.tokens));
            }
        }
    }

    // wire-format: the names are derived from the vendor crates and the kit.
    let mut wire = BTreeSet::new();
    let mut vendor_sources = false;
    for p in &packages {
        if matches!(p.role(), Some(Role::Vendor | Role::Kit)) {
            for f in files_of(p).iter().filter(|f| !f.test_only) {
                vendor_sources = true;
                wire.extend(serde_fields(&f.code).into_iter().map(|(name, _)| name));
            }
        }
    }
    let distinctive = distinctive_wire_names(&wire);
    if vendor_sources && distinctive.is_empty() {
        violations.push(Violation::new(
            Path::new(COMMON_WIRE_NAMES_AT.0),
            COMMON_WIRE_NAMES_AT.1,
            "wire-format",
            "found no distinctive wire field names in the vendor crates' serde structs: the rule \
             would check nothing (did the structs move, or is every name in COMMON_WIRE_NAMES?)",
        ));
    }
    let vendor_modules = vendor_idents();
    for p in &packages {
        let Some(role) = p.role() else { continue };
        if matches!(role, Role::Vendor | Role::Kit) {
            continue;
        }
        for f in files_of(p).iter().filter(|f| !f.test_only) {
            violations.extend(check_wire_calls(&f.path, &f.code, &vendor_modules));
            if role != Role::Mock {
                violations.extend(check_wire_names(&f.path, &f.code, &distinctive));
            }
        }
    }

    let mut types = Vec::new();
    for p in packages.iter().filter(|p| p.published) {
        let lib_files: Vec<&SourceFile> = files_of(p)
            .iter()
            .filter(|f| f.in_lib && !f.test_only)
            .collect();
        for f in &lib_files {
            for (name, line) in public_types(&f.code) {
                types.push((p.name.clone(), p.role(), f.path.clone(), name, line));
            }
        }
        let enums: Vec<(PathBuf, EnumDecl)> = lib_files
            .iter()
            .flat_map(|f| {
                public_enums(&f.code)
                    .into_iter()
                    .map(|e| (f.path.clone(), e))
            })
            .collect();
        violations.extend(check_non_exhaustive(p, &enums, EXHAUSTIVE_ENUMS));
        if let Some(root) = &p.lib_root {
            if let Some(f) = files_of(p).iter().find(|f| &f.path == root) {
                violations.extend(check_missing_docs(&f.path, &f.tokens));
            }
        }
    }
    violations.extend(check_unique_names(&types));
    violations.sort();
    violations.dedup();
    violations
}

// ---------------------------------------------------------------------------------------------
// The rules.

/// `core-io`: paths and macros of `shiming-core`'s source that would do I/O.
fn check_core_io(path: &Path, tokens: &[Token]) -> Vec<Violation> {
    let mut out = Vec::new();
    for p in paths(tokens) {
        if p.is_macro {
            let name = p.segments.last().map_or("", String::as_str);
            if CORE_IO_MACROS.contains(&name) {
                out.push(Violation::new(
                    path,
                    p.line,
                    "core-io",
                    format!("`{name}!` writes to the terminal: shiming-core does no I/O"),
                ));
            }
            continue;
        }
        for (pattern, what) in CORE_IO_PATHS {
            if contains_run(&p.segments, pattern) {
                out.push(Violation::new(
                    path,
                    p.line,
                    "core-io",
                    format!(
                        "`{}` reaches {what}: shiming-core does no I/O (take the value as a \
                         parameter, or compile data in with build.rs)",
                        p.segments.join("::")
                    ),
                ));
            }
        }
    }
    out
}

/// `core-deps`: `shiming-core` depends on no I/O crate.
fn check_core_deps(p: &Package) -> Vec<Violation> {
    p.deps
        .iter()
        .filter(|d| d.kind != DepKind::Dev && IO_CRATES.contains(&d.name.as_str()))
        .map(|d| {
            Violation::new(
                &p.manifest,
                dependency_line(&p.manifest_text, &d.name, d.kind),
                "core-deps",
                format!(
                    "{} depends on `{}`, an I/O crate: shiming-core does no I/O",
                    p.name, d.name
                ),
            )
        })
        .collect()
}

/// `layers`: dependencies between workspace crates point down the floors of [`LAYERS`].
fn check_layers(packages: &[Package]) -> Vec<Violation> {
    let members: BTreeMap<&str, bool> = packages
        .iter()
        .map(|p| (p.name.as_str(), p.published))
        .collect();
    let mut out = Vec::new();
    for p in packages {
        let from = p.layer();
        for d in &p.deps {
            let Some(&published) = members.get(d.name.as_str()) else {
                continue;
            };
            if d.name == p.name || (d.kind == DepKind::Dev && d.name == TEST_SUPPORT) {
                continue;
            }
            let line = dependency_line(&p.manifest_text, &d.name, d.kind);
            let Some(to) = layer_of(&d.name) else {
                if published {
                    // Not a tool: a published crate without a floor, which `check_table` names.
                    continue;
                }
                out.push(Violation::new(
                    &p.manifest,
                    line,
                    "layers",
                    format!(
                        "`{}` depends on `{}`, a tool crate (not in LAYERS): nothing may depend \
                         on a tool",
                        p.name, d.name
                    ),
                ));
                continue;
            };
            let Some(from) = from else { continue };
            if d.kind != DepKind::Dev && to.floor >= from.floor {
                let why = if from.role == Role::Mock {
                    "the mock market depends on fixtures and shiming-core, never on the \
                     transport, the vendor kit or a vendor crate"
                } else {
                    "[dependencies] point only to lower floors"
                };
                out.push(Violation::new(
                    &p.manifest,
                    line,
                    "layers",
                    format!(
                        "`{}` (floor {}) depends on `{}` (floor {}): {why}",
                        p.name, from.floor, d.name, to.floor
                    ),
                ));
            }
        }
    }
    out
}

/// The document that lists every arrow (rule `arrows`).
const ARCHITECTURE: &str = "ARCHITECTURE.md";

/// The line in [`ARCHITECTURE`] after which the fenced block of arrows stands.
const ARROWS_MARK: &str = "<!-- cargo xtask tidy checks the arrows below against the manifests -->";

/// `arrows`: the published crates' arrows (normal and build dependencies on published
/// members) against the block after [`ARROWS_MARK`] in `doc`.
fn check_arrows(packages: &[Package], doc: &str) -> Vec<Violation> {
    let path = Path::new(ARCHITECTURE);
    let published: BTreeSet<&str> = packages
        .iter()
        .filter(|p| p.published)
        .map(|p| p.name.as_str())
        .collect();
    let mut actual = BTreeSet::new();
    for p in packages.iter().filter(|p| p.published) {
        for d in p.deps.iter().filter(|d| d.kind != DepKind::Dev) {
            if d.name != p.name && published.contains(d.name.as_str()) {
                actual.insert((p.name.clone(), d.name.clone()));
            }
        }
    }
    let lines: Vec<&str> = doc.lines().collect();
    let Some(mark) = lines.iter().position(|l| l.trim() == ARROWS_MARK) else {
        let why = format!("no line `{ARROWS_MARK}` followed by the list of every arrow");
        return vec![Violation::new(path, 1, "arrows", why)];
    };
    let mut listed = BTreeSet::new();
    for line in lines.iter().skip(mark + 2) {
        if line.trim_start().starts_with("```") {
            break;
        }
        if let Some((from, to)) = line.split_once("->") {
            for dep in to.split(',').map(str::trim).filter(|d| !d.is_empty()) {
                listed.insert((from.trim().to_string(), dep.to_string()));
            }
        }
    }
    let at = u32::try_from(mark + 1).unwrap_or(u32::MAX);
    let mut out: Vec<Violation> = actual
        .difference(&listed)
        .map(|(from, to)| {
            let why = format!("`{from}` depends on `{to}`, which the list of arrows lacks");
            Violation::new(path, at, "arrows", why)
        })
        .collect();
    out.extend(listed.difference(&actual).map(|(from, to)| {
        let why = format!("the list of arrows says `{from} -> {to}`, which no manifest has");
        Violation::new(path, at, "arrows", why)
    }));
    if listed.is_empty() {
        out.push(Violation::new(
            path,
            at,
            "arrows",
            "the list of arrows is empty",
        ));
    }
    out
}

/// `layers`: `layers` (which is [`LAYERS`] but in tests) gives a floor to every published
/// member of the workspace and to nothing else.
fn check_table(packages: &[Package], layers: &[Layer]) -> Vec<Violation> {
    let mut out = Vec::new();
    for p in packages {
        let floor = layers.iter().any(|l| l.package == p.name);
        if p.published && !floor {
            out.push(Violation::new(
                &p.manifest,
                1,
                "layers",
                format!(
                    "`{}` is published but has no floor: add it to LAYERS in xtask/src/tidy.rs \
                     (or make it `publish = false` if it is a tool)",
                    p.name
                ),
            ));
        } else if !p.published && floor {
            out.push(Violation::new(
                Path::new(LAYERS_AT.0),
                LAYERS_AT.1,
                "layers",
                format!(
                    "LAYERS gives `{}` a floor, but it is `publish = false`: the table holds the \
                     published crates only (remove the entry if it is a tool)",
                    p.name
                ),
            ));
        }
    }
    for l in layers {
        if !packages.iter().any(|p| p.name == l.package) {
            out.push(Violation::new(
                Path::new(LAYERS_AT.0),
                LAYERS_AT.1,
                "layers",
                format!(
                    "LAYERS gives `{}` a floor, but no workspace member has that name: remove \
                     the entry (or add the crate to the workspace members)",
                    l.package
                ),
            ));
        }
    }
    out
}

/// The line of `manifest` that declares dependency `name` in the table of `kind` (1 when not
/// found: the violation still names the manifest).
fn dependency_line(manifest: &str, name: &str, kind: DepKind) -> u32 {
    let mut in_table = false;
    for (n, line) in manifest.lines().enumerate() {
        let line = line.trim();
        let number = u32::try_from(n + 1).unwrap_or(u32::MAX);
        if let Some(header) = line.strip_prefix('[') {
            // `[dependencies]`, `[target.'cfg(unix)'.dev-dependencies]`, `[dependencies.NAME]`.
            let segments: Vec<&str> = header.trim_end_matches(']').split('.').collect();
            let table = segments.iter().rposition(|s| table_kind(s).is_some());
            let table_matches = table.is_some_and(|t| table_kind(segments[t]) == Some(kind));
            match table.and_then(|t| segments.get(t + 1)) {
                Some(dep) if table_matches && *dep == name => return number,
                Some(_) => in_table = false,
                None => in_table = table_matches,
            }
            continue;
        }
        if in_table {
            if let Some(rest) = line.strip_prefix(name) {
                if rest.starts_with([' ', '=', '.']) {
                    return number;
                }
            }
        }
    }
    1
}

/// The kind of dependency a manifest table name holds.
fn table_kind(table: &str) -> Option<DepKind> {
    match table {
        "dependencies" => Some(DepKind::Normal),
        "build-dependencies" => Some(DepKind::Build),
        "dev-dependencies" => Some(DepKind::Dev),
        _ => None,
    }
}

/// The identifiers that name a vendor crate's modules from outside: `shiming_tel3` and, as the
/// facade re-exports it, `tel3`.
fn vendor_idents() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for l in LAYERS.iter().filter(|l| l.role == Role::Vendor) {
        let ident = l.package.replace('-', "_");
        if let Some(short) = ident.strip_prefix("shiming_") {
            out.insert(short.to_string());
        }
        out.insert(ident);
    }
    out
}

/// `wire-format` (1): paths into a vendor crate's `request`/`response` modules, and
/// `decode_parts`.
fn check_wire_calls(path: &Path, code: &[Token], vendors: &BTreeSet<String>) -> Vec<Violation> {
    let mut out = Vec::new();
    for p in paths(code) {
        let into_wire = p
            .segments
            .windows(2)
            .any(|w| vendors.contains(&w[0]) && (w[1] == "request" || w[1] == "response"));
        if into_wire || p.segments.iter().any(|s| s == "decode_parts") {
            out.push(Violation::new(
                path,
                p.line,
                "wire-format",
                format!(
                    "`{}` reaches a vendor's wire format: only vendor crates encode and decode \
                     vendor bodies (go through the client and the core traits)",
                    p.segments.join("::")
                ),
            ));
        }
    }
    out
}

/// `wire-format` (2): serde fields and string literals that spell a distinctive vendor wire
/// name.
fn check_wire_names(path: &Path, code: &[Token], distinctive: &BTreeSet<String>) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut lines = BTreeSet::new();
    for (name, line) in serde_fields(code) {
        if distinctive.contains(&name) && lines.insert(line) {
            out.push(Violation::new(
                path,
                line,
                "wire-format",
                format!(
                    "serde field `{name}` is a vendor's wire field: only vendor crates (and the \
                     mock market) declare vendor bodies"
                ),
            ));
        }
    }
    for t in code.iter().filter(|t| t.kind == Kind::Str) {
        if distinctive.contains(&t.text) && lines.insert(t.line) {
            out.push(Violation::new(
                path,
                t.line,
                "wire-format",
                format!(
                    "\"{}\" is a vendor's wire field name: only vendor crates (and the mock \
                     market) read or write vendor bodies",
                    t.text
                ),
            ));
        }
    }
    out
}

/// The vendor wire names that are not plain words (see [`COMMON_WIRE_NAMES`]).
fn distinctive_wire_names(all: &BTreeSet<String>) -> BTreeSet<String> {
    all.iter()
        .filter(|n| !COMMON_WIRE_NAMES.contains(&n.as_str()))
        .cloned()
        .collect()
}

/// `non-exhaustive`: the library's public enums of `p` (with their files) carry
/// `#[non_exhaustive]` unless excepted; exceptions of `p` that match nothing are reported.
fn check_non_exhaustive(
    p: &Package,
    enums: &[(PathBuf, EnumDecl)],
    exceptions: &[(&str, &str, &str)],
) -> Vec<Violation> {
    let mut out = Vec::new();
    let excepted = |name: &str| {
        exceptions
            .iter()
            .any(|(pkg, e, _)| *pkg == p.name && *e == name)
    };
    for (path, e) in enums {
        if !e.non_exhaustive && !excepted(&e.name) {
            out.push(Violation::new(
                path,
                e.line,
                "non-exhaustive",
                format!(
                    "public enum `{}` is not #[non_exhaustive] (add it, or list the enum with \
                     its reason in EXHAUSTIVE_ENUMS)",
                    e.name
                ),
            ));
        }
    }
    for (pkg, name, _) in exceptions.iter().filter(|(pkg, ..)| *pkg == p.name) {
        let used = enums
            .iter()
            .any(|(_, e)| e.name == *name && !e.non_exhaustive);
        if !used {
            out.push(Violation::new(
                Path::new(EXHAUSTIVE_ENUMS_AT.0),
                EXHAUSTIVE_ENUMS_AT.1,
                "non-exhaustive",
                format!(
                    "EXHAUSTIVE_ENUMS lists `{name}` of {pkg}, which is no exhaustive public \
                     enum: remove the entry"
                ),
            ));
        }
    }
    out
}

/// A public type of a published library: (package, role, file, name, line).
type TypeDecl = (String, Option<Role>, PathBuf, String, u32);

/// `unique-names`: each declaration of a public type whose name another published crate also
/// declares, unless only vendor crates share it and it is one of [`PARALLEL_WIRE_TYPES`].
fn check_unique_names(types: &[TypeDecl]) -> Vec<Violation> {
    let mut out = Vec::new();
    for (package, _, path, name, line) in types {
        let same: Vec<&TypeDecl> = types.iter().filter(|t| t.3 == *name).collect();
        let others: BTreeSet<&str> = same
            .iter()
            .filter(|t| t.0 != *package)
            .map(|t| t.0.as_str())
            .collect();
        let parallel = PARALLEL_WIRE_TYPES.contains(&name.as_str())
            && same.iter().all(|t| t.1 == Some(Role::Vendor));
        if !others.is_empty() && !parallel {
            let others = others.into_iter().collect::<Vec<_>>().join(", ");
            out.push(Violation::new(
                path,
                *line,
                "unique-names",
                format!(
                    "public type `{name}` is also declared by {others}: rename one (no two \
                     public types share a name but the vendor crates' PARALLEL_WIRE_TYPES)"
                ),
            ));
        }
    }
    out
}

/// `missing-docs`: the library root denies (or forbids) `missing_docs`.
fn check_missing_docs(path: &Path, tokens: &[Token]) -> Option<Violation> {
    let mut i = 0;
    while i < tokens.len() {
        if let Some(attr) = attribute_at(tokens, i) {
            let body = &tokens[attr.body.clone()];
            let level = body
                .first()
                .is_some_and(|t| t.ident("deny") || t.ident("forbid"));
            if attr.inner && level && body.iter().any(|t| t.ident("missing_docs")) {
                return None;
            }
            i = attr.end;
        } else {
            i += 1;
        }
    }
    Some(Violation::new(
        path,
        1,
        "missing-docs",
        "the library root lacks #![deny(missing_docs)]: every public item of a published crate \
         is documented",
    ))
}

// ---------------------------------------------------------------------------------------------
// Source trees: the files reached from the target roots through `mod` declarations.

/// The source files reached from a crate's roots, each marked test-only and in-library or not,
/// and the `mod` declarations whose file is missing.
fn crate_files(
    lib_root: Option<&Path>,
    bin_roots: &[PathBuf],
    read: Read<'_>,
) -> (Vec<SourceFile>, Vec<Violation>) {
    let mut files: Vec<SourceFile> = Vec::new();
    let mut children: Vec<Vec<(PathBuf, bool)>> = Vec::new();
    let mut index: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let mut trouble = Vec::new();
    // (file, is a crate root, test only, in the library)
    let mut queue: VecDeque<(PathBuf, bool, bool, bool)> = VecDeque::new();
    if let Some(lib) = lib_root {
        queue.push_back((lib.to_path_buf(), true, false, true));
    }
    for bin in bin_roots {
        queue.push_back((bin.clone(), true, false, false));
    }
    while let Some((path, is_root, test_only, in_lib)) = queue.pop_front() {
        if let Some(&k) = index.get(&path) {
            // Reached again: only a less restricted way in changes anything.
            let f = &mut files[k];
            if (f.test_only && !test_only) || (in_lib && !f.in_lib) {
                f.test_only &= test_only;
                f.in_lib |= in_lib;
                for (child, test) in &children[k] {
                    queue.push_back((child.clone(), false, f.test_only || *test, f.in_lib));
                }
            }
            continue;
        }
        let Some(text) = read(&path) else {
            trouble.push(Violation::new(
                &path,
                1,
                "tidy",
                "cannot read this crate root",
            ));
            continue;
        };
        let tokens = lex(&text);
        let code = strip_test_code(&tokens);
        let non_test: BTreeSet<(Vec<String>, String)> = mod_decls(&code)
            .into_iter()
            .map(|d| (d.inline, d.name))
            .collect();
        let mut mine = Vec::new();
        for d in mod_decls(&tokens) {
            let test = !non_test.contains(&(d.inline.clone(), d.name.clone()));
            let candidates = module_candidates(&path, is_root, &d);
            match candidates.iter().find(|c| read(c).is_some()) {
                Some(found) => {
                    mine.push((found.clone(), test));
                    queue.push_back((found.clone(), false, test_only || test, in_lib));
                }
                None => trouble.push(Violation::new(
                    &path,
                    d.line,
                    "tidy",
                    format!(
                        "cannot find the file of `mod {}` (looked for {})",
                        d.name,
                        candidates
                            .iter()
                            .map(|c| c.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        }
        index.insert(path.clone(), files.len());
        files.push(SourceFile {
            path,
            tokens,
            code,
            test_only,
            in_lib,
        });
        children.push(mine);
    }
    (files, trouble)
}

/// A `mod NAME;` declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ModDecl {
    /// The module's name.
    name: String,
    /// The inline modules (`mod a { … }`) it is declared in, outermost first.
    inline: Vec<String>,
    /// A `#[path = "…"]` attribute's value.
    path_attr: Option<String>,
    /// Where it is declared.
    line: u32,
}

/// The `mod NAME;` declarations of a file.
fn mod_decls(tokens: &[Token]) -> Vec<ModDecl> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut stack: Vec<(String, usize)> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.is("{") {
            depth += 1;
        } else if t.is("}") {
            depth = depth.saturating_sub(1);
            if stack.last().is_some_and(|(_, d)| *d == depth) {
                stack.pop();
            }
        } else if t.ident("mod") {
            let (Some(name), Some(next)) = (tokens.get(i + 1), tokens.get(i + 2)) else {
                continue;
            };
            if name.kind != Kind::Ident {
                continue;
            }
            if next.is(";") {
                let path_attr = outer_attributes(tokens, item_start(tokens, i))
                    .into_iter()
                    .find_map(|a| match a {
                        [k, eq, v] if k.ident("path") && eq.is("=") && v.kind == Kind::Str => {
                            Some(v.text.clone())
                        }
                        _ => None,
                    });
                out.push(ModDecl {
                    name: name.text.clone(),
                    inline: stack.iter().map(|(n, _)| n.clone()).collect(),
                    path_attr,
                    line: name.line,
                });
            } else if next.is("{") {
                stack.push((name.text.clone(), depth));
            }
        }
    }
    out
}

/// Where the file of `decl`, declared in `file`, may be: `name.rs` or `name/mod.rs` beside a
/// crate root or `mod.rs`, else in the directory named after the file.
fn module_candidates(file: &Path, is_root: bool, decl: &ModDecl) -> Vec<PathBuf> {
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let owns_dir = is_root || file.file_name().is_some_and(|n| n == "mod.rs");
    let mut base = if owns_dir {
        dir.clone()
    } else {
        let stem = file.file_stem().map(PathBuf::from).unwrap_or_default();
        dir.join(stem)
    };
    if let Some(p) = &decl.path_attr {
        let base = if decl.inline.is_empty() {
            dir
        } else {
            decl.inline.iter().fold(base, |b, m| b.join(m))
        };
        return vec![base.join(p)];
    }
    for m in &decl.inline {
        base = base.join(m);
    }
    vec![
        base.join(format!("{}.rs", decl.name)),
        base.join(&decl.name).join("mod.rs"),
    ]
}

// ---------------------------------------------------------------------------------------------
// Reading Rust: tokens, test code, attributes, paths, enums, serde structs.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// An identifier or keyword (raw identifiers without their `r#`).
    Ident,
    /// Punctuation: `::` is one token, everything else one character.
    Punct,
    /// A string literal: `text` is what is between the quotes, escapes left as written.
    Str,
    /// A number, a character or byte literal, a lifetime.
    Other,
}

/// A token and the line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Token {
    /// What it is.
    kind: Kind,
    /// Its text (see [`Kind`]).
    text: String,
    /// 1-based.
    line: u32,
}

impl Token {
    /// Punctuation `p`.
    fn is(&self, p: &str) -> bool {
        self.kind == Kind::Punct && self.text == p
    }

    /// Identifier or keyword `name`.
    fn ident(&self, name: &str) -> bool {
        self.kind == Kind::Ident && self.text == name
    }

    /// An opening bracket.
    fn opens(&self) -> bool {
        self.is("(") || self.is("[") || self.is("{")
    }

    /// A closing bracket.
    fn closes(&self) -> bool {
        self.is(")") || self.is("]") || self.is("}")
    }
}

/// Whether `c` may start an identifier.
fn ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

/// Whether `c` may continue an identifier.
fn ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Splits Rust source into tokens; comments (doc comments included) are dropped.
fn lex(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1u32;
    let newlines =
        |s: &[char]| u32::try_from(s.iter().filter(|&&x| x == '\n').count()).unwrap_or(0);
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let start = i;
            let mut depth = 0usize;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            line += newlines(&c[start..i.min(c.len())]);
        } else if let Some((quote, hashes)) = string_start(&c, i) {
            let start_line = line;
            let body = quote + 1;
            let mut j = body;
            let end; // index of the closing quote
            match hashes {
                None => {
                    while j < c.len() && c[j] != '"' {
                        j += if c[j] == '\\' { 2 } else { 1 };
                    }
                    end = j.min(c.len());
                    i = end + 1;
                }
                Some(h) => {
                    loop {
                        if j >= c.len() {
                            break;
                        }
                        if c[j] == '"' && (1..=h).all(|k| c.get(j + k) == Some(&'#')) {
                            break;
                        }
                        j += 1;
                    }
                    end = j.min(c.len());
                    i = end + 1 + h;
                }
            }
            let text: String = c[body.min(end)..end].iter().collect();
            line += newlines(&c[body.min(end)..end]);
            out.push(Token {
                kind: Kind::Str,
                text,
                line: start_line,
            });
        } else if ch == '\'' || (ch == 'b' && next == Some('\'')) {
            let q = if ch == 'b' { i + 1 } else { i };
            if c.get(q + 1) == Some(&'\\') {
                let mut j = q + 3;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push(Token {
                    kind: Kind::Other,
                    text: "'c'".into(),
                    line,
                });
            } else if c.get(q + 2) == Some(&'\'') {
                i = q + 3;
                out.push(Token {
                    kind: Kind::Other,
                    text: "'c'".into(),
                    line,
                });
            } else {
                let mut j = q + 1;
                while j < c.len() && ident_continue(c[j]) {
                    j += 1;
                }
                out.push(Token {
                    kind: Kind::Other,
                    text: c[i..j].iter().collect(),
                    line,
                });
                i = j;
            }
        } else if ident_start(ch) {
            let raw =
                ch == 'r' && next == Some('#') && c.get(i + 2).is_some_and(|&x| ident_start(x));
            let start = if raw { i + 2 } else { i };
            let mut j = start;
            while j < c.len() && ident_continue(c[j]) {
                j += 1;
            }
            out.push(Token {
                kind: Kind::Ident,
                text: c[start..j].iter().collect(),
                line,
            });
            i = j;
        } else if ch.is_ascii_digit() {
            let mut j = i;
            while j < c.len()
                && (ident_continue(c[j])
                    || (c[j] == '.' && c.get(j + 1).is_some_and(char::is_ascii_digit)))
            {
                j += 1;
            }
            out.push(Token {
                kind: Kind::Other,
                text: c[i..j].iter().collect(),
                line,
            });
            i = j;
        } else if ch == ':' && next == Some(':') {
            out.push(Token {
                kind: Kind::Punct,
                text: "::".into(),
                line,
            });
            i += 2;
        } else {
            out.push(Token {
                kind: Kind::Punct,
                text: ch.to_string(),
                line,
            });
            i += 1;
        }
    }
    out
}

/// If a string literal starts at `i` (`"`, `b"`, `c"`, `r#"`, `br"`, `cr#"`): the index of its
/// opening quote and, for a raw string, its number of `#`.
fn string_start(c: &[char], i: usize) -> Option<(usize, Option<usize>)> {
    let mut j = i;
    if matches!(c.get(j), Some('b' | 'c')) {
        j += 1;
    }
    if c.get(j) == Some(&'r') {
        j += 1;
        let mut hashes = 0;
        while c.get(j) == Some(&'#') {
            hashes += 1;
            j += 1;
        }
        return (c.get(j) == Some(&'"')).then_some((j, Some(hashes)));
    }
    (c.get(j) == Some(&'"')).then_some((j, None))
}

/// The index of the bracket closing the one opened at `open` (any kind: Rust is balanced).
fn matching(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        if t.opens() {
            depth += 1;
        } else if t.closes() {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

/// The index of the bracket opening the one closed at `close`.
fn matching_back(tokens: &[Token], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    for k in (0..=close).rev() {
        let t = &tokens[k];
        if t.closes() {
            depth += 1;
        } else if t.opens() {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

/// An attribute: `#[body]` or, inner, `#![body]`.
struct Attribute {
    /// `#![…]`.
    inner: bool,
    /// The tokens between the brackets.
    body: std::ops::Range<usize>,
    /// The index after the closing bracket.
    end: usize,
}

/// The attribute starting at `i`, if one does.
fn attribute_at(tokens: &[Token], i: usize) -> Option<Attribute> {
    if !tokens.get(i)?.is("#") {
        return None;
    }
    let inner = tokens.get(i + 1)?.is("!");
    let open = if inner { i + 2 } else { i + 1 };
    if !tokens.get(open)?.is("[") {
        return None;
    }
    let close = matching(tokens, open)?;
    Some(Attribute {
        inner,
        body: open + 1..close,
        end: close + 1,
    })
}

/// The bodies of the outer attributes right before the item starting at `start`.
fn outer_attributes(tokens: &[Token], start: usize) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let mut k = start;
    while k > 0 && tokens[k - 1].is("]") {
        let Some(open) = matching_back(tokens, k - 1) else {
            break;
        };
        if open == 0 || !tokens[open - 1].is("#") {
            break;
        }
        out.push(&tokens[open + 1..k - 1]);
        k = open - 1;
    }
    out.reverse();
    out
}

/// Where the item whose keyword is at `keyword` starts, before its visibility (`pub`,
/// `pub(crate)`).
fn item_start(tokens: &[Token], keyword: usize) -> usize {
    let mut k = keyword;
    if k > 0 && tokens[k - 1].is(")") {
        if let Some(open) = matching_back(tokens, k - 1) {
            if open > 0 && tokens[open - 1].ident("pub") {
                k = open - 1;
            }
        }
    } else if k > 0 && tokens[k - 1].ident("pub") {
        k -= 1;
    }
    k
}

/// Whether an attribute body makes its item test-only: `test`, `cfg(test)`, `cfg(all(test, …))`.
fn is_test_attribute(body: &[Token]) -> bool {
    match body {
        [t] => t.ident("test"),
        [cfg, open, t, close] => {
            cfg.ident("cfg") && open.is("(") && t.ident("test") && close.is(")")
        }
        [cfg, open, all, inner @ .., close]
            if cfg.ident("cfg") && open.is("(") && all.ident("all") && close.is(")") =>
        {
            // `(test, feature = "x")`: a top-level `test` among the arguments.
            let mut depth = 0usize;
            inner.iter().enumerate().any(|(k, t)| {
                if t.opens() {
                    depth += 1;
                } else if t.closes() {
                    depth = depth.saturating_sub(1);
                }
                depth == 1
                    && t.ident("test")
                    && inner.get(k + 1).is_some_and(|n| n.is(",") || n.is(")"))
            })
        }
        _ => false,
    }
}

/// The tokens without test code: items under a test attribute (a `#![cfg(test)]` file is all
/// test code).
fn strip_test_code(tokens: &[Token]) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if let Some(attr) = attribute_at(tokens, i) {
            if is_test_attribute(&tokens[attr.body.clone()]) {
                if attr.inner {
                    return Vec::new();
                }
                i = skip_item(tokens, attr.end);
                continue;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// The index after the item starting at `i` (its further attributes included): its `;` or the
/// block closing it.
fn skip_item(tokens: &[Token], mut i: usize) -> usize {
    while let Some(attr) = attribute_at(tokens, i) {
        i = attr.end;
    }
    let mut depth = 0usize;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.is("{") && depth == 0 {
            return matching(tokens, i).map_or(tokens.len(), |c| c + 1);
        } else if t.is("(") || t.is("[") {
            depth += 1;
        } else if t.is(")") || t.is("]") {
            depth = depth.saturating_sub(1);
        } else if t.is(";") && depth == 0 {
            return i + 1;
        }
        i += 1;
    }
    tokens.len()
}

/// A path in the source: written out (`std::fs::read`), or one leaf of a `use` tree
/// (`use std::{fs, io}` gives `std::fs` and `std::io`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct PathRef {
    /// Its segments, without `self` and aliases.
    segments: Vec<String>,
    /// A macro call (`name!(…)`).
    is_macro: bool,
    /// Where its last segment is.
    line: u32,
}

/// Every path of the tokens.
fn paths(tokens: &[Token]) -> Vec<PathRef> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.ident("use") {
            let mut j = i + 1;
            use_tree(tokens, &mut j, &[], &mut out);
            while j < tokens.len() && !tokens[j].is(";") {
                j += 1;
            }
            i = j + 1;
            continue;
        }
        if t.kind != Kind::Ident && !t.is("::") {
            i += 1;
            continue;
        }
        let mut j = if t.is("::") { i + 1 } else { i };
        let mut segments = Vec::new();
        let mut line = t.line;
        while let Some(s) = tokens.get(j).filter(|s| s.kind == Kind::Ident) {
            segments.push(s.text.clone());
            line = s.line;
            j += 1;
            let more = tokens.get(j).is_some_and(|x| x.is("::"))
                && tokens.get(j + 1).is_some_and(|x| x.kind == Kind::Ident);
            if !more {
                break;
            }
            j += 1;
        }
        if segments.is_empty() {
            i = j.max(i + 1);
            continue;
        }
        let is_macro = tokens.get(j).is_some_and(|x| x.is("!"))
            && tokens
                .get(j + 1)
                .is_some_and(|x| x.is("(") || x.is("[") || x.is("{"));
        out.push(PathRef {
            segments,
            is_macro,
            line,
        });
        i = j;
    }
    out
}

/// Parses the `use` tree at `*i` under `prefix`, pushing one path per leaf.
fn use_tree(tokens: &[Token], i: &mut usize, prefix: &[String], out: &mut Vec<PathRef>) {
    let mut path = prefix.to_vec();
    let mut line = tokens.get(*i).map_or(0, |t| t.line);
    while let Some(t) = tokens.get(*i) {
        if t.is("::") {
            *i += 1;
        } else if t.ident("as") {
            *i += 2;
        } else if t.kind == Kind::Ident {
            if t.text != "self" {
                path.push(t.text.clone());
            }
            line = t.line;
            *i += 1;
        } else if t.is("*") {
            path.push("*".into());
            *i += 1;
        } else if t.is("{") {
            *i += 1;
            loop {
                match tokens.get(*i) {
                    None => return,
                    Some(x) if x.is("}") => {
                        *i += 1;
                        return;
                    }
                    Some(x) if x.is(",") => *i += 1,
                    Some(_) => {
                        let before = *i;
                        use_tree(tokens, i, &path, out);
                        if *i == before {
                            *i += 1;
                        }
                    }
                }
            }
        } else {
            break;
        }
    }
    if !path.is_empty() {
        out.push(PathRef {
            segments: path,
            is_macro: false,
            line,
        });
    }
}

/// Whether `haystack` holds `needle` as consecutive segments.
fn contains_run(haystack: &[String], needle: &[&str]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.iter().zip(needle).all(|(a, b)| a == b))
}

/// A `pub enum`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct EnumDecl {
    /// Its name.
    name: String,
    /// Carries `#[non_exhaustive]`.
    non_exhaustive: bool,
    /// Where its name is.
    line: u32,
}

/// The `pub enum`s of the tokens (`pub(crate)` and narrower are not public).
fn public_enums(tokens: &[Token]) -> Vec<EnumDecl> {
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if !t.ident("enum") || i == 0 || !tokens[i - 1].ident("pub") {
            continue;
        }
        let Some(name) = tokens.get(i + 1).filter(|n| n.kind == Kind::Ident) else {
            continue;
        };
        let non_exhaustive = outer_attributes(tokens, i - 1)
            .iter()
            .any(|a| a.iter().any(|x| x.ident("non_exhaustive")));
        out.push(EnumDecl {
            name: name.text.clone(),
            non_exhaustive,
            line: name.line,
        });
    }
    out
}

/// The `pub struct`, `enum`, `type` and `trait` names of the tokens, with their lines.
fn public_types(tokens: &[Token]) -> Vec<(String, u32)> {
    let keyword = |t: &Token| {
        ["struct", "enum", "type", "trait"]
            .iter()
            .any(|k| t.ident(k))
    };
    tokens
        .windows(3)
        .filter(|w| w[0].ident("pub") && keyword(&w[1]) && w[2].kind == Kind::Ident)
        .map(|w| (w[2].text.clone(), w[2].line))
        .collect()
}

/// The wire names of the fields of every struct deriving serde's `Serialize` or `Deserialize`,
/// with their lines: `rename` (both directions), `alias`, else the field's name under the
/// container's `rename_all`; `flatten`ed and `skip`ped fields have none.
fn serde_fields(tokens: &[Token]) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if !t.ident("struct") || !tokens.get(i + 1).is_some_and(|n| n.kind == Kind::Ident) {
            continue;
        }
        let attrs = outer_attributes(tokens, item_start(tokens, i));
        let serde = attrs.iter().any(|a| {
            a.first().is_some_and(|d| d.ident("derive"))
                && a.iter()
                    .any(|x| x.ident("Serialize") || x.ident("Deserialize"))
        });
        if !serde {
            continue;
        }
        let rename_all = attrs
            .iter()
            .flat_map(|a| serde_values(a, "rename_all"))
            .next();
        let Some(open) = tokens[i + 2..]
            .iter()
            .position(|x| x.is("{") || x.is("(") || x.is(";"))
            .map(|p| p + i + 2)
        else {
            continue;
        };
        if !tokens[open].is("{") {
            continue; // a tuple or unit struct: no field names
        }
        let Some(close) = matching(tokens, open) else {
            continue;
        };
        out.extend(struct_fields(
            &tokens[open + 1..close],
            rename_all.as_deref(),
        ));
    }
    out
}

/// The wire names of the fields in a struct's braces.
fn struct_fields(body: &[Token], rename_all: Option<&str>) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < body.len() {
        let mut attrs = Vec::new();
        while let Some(attr) = attribute_at(body, k) {
            attrs.push(&body[attr.body.clone()]);
            k = attr.end;
        }
        if body.get(k).is_some_and(|t| t.ident("pub")) {
            k += 1;
            if body.get(k).is_some_and(|t| t.is("(")) {
                k = matching(body, k).map_or(body.len(), |c| c + 1);
            }
        }
        let Some(name) = body.get(k).filter(|t| t.kind == Kind::Ident) else {
            break;
        };
        // Skip `: Type` up to the comma at this level (`->` is no closing angle).
        k += 1;
        let mut depth = 0i32;
        while k < body.len() {
            let t = &body[k];
            let arrow = t.is(">") && k > 0 && body[k - 1].is("-");
            if t.opens() || t.is("<") {
                depth += 1;
            } else if t.closes() || (t.is(">") && !arrow) {
                depth -= 1;
            } else if t.is(",") && depth == 0 {
                break;
            }
            k += 1;
        }
        k += 1;
        let flag = |f: &str| {
            attrs.iter().any(|a| {
                a.first().is_some_and(|s| s.ident("serde")) && a.iter().any(|x| x.ident(f))
            })
        };
        if flag("flatten") || flag("skip") {
            continue;
        }
        let renames: Vec<String> = attrs
            .iter()
            .flat_map(|a| serde_values(a, "rename"))
            .collect();
        let aliases = attrs.iter().flat_map(|a| serde_values(a, "alias"));
        if renames.is_empty() {
            out.push((rename_field(&name.text, rename_all), name.line));
        }
        out.extend(renames.into_iter().chain(aliases).map(|n| (n, name.line)));
    }
    out
}

/// The string values of `key` in a `serde(…)` attribute body: `key = "v"` or
/// `key(serialize = "a", deserialize = "b")`.
fn serde_values(attr: &[Token], key: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !attr.first().is_some_and(|t| t.ident("serde")) {
        return out;
    }
    for (k, t) in attr.iter().enumerate() {
        if !t.ident(key) {
            continue;
        }
        match (attr.get(k + 1), attr.get(k + 2)) {
            (Some(eq), Some(v)) if eq.is("=") && v.kind == Kind::Str => out.push(v.text.clone()),
            (Some(open), _) if open.is("(") => {
                let close = matching(attr, k + 1).unwrap_or(attr.len());
                out.extend(
                    attr[k + 1..close]
                        .iter()
                        .filter(|x| x.kind == Kind::Str)
                        .map(|x| x.text.clone()),
                );
            }
            _ => {}
        }
    }
    out
}

/// A snake_case field name as serde's `rename_all` rule spells it.
fn rename_field(field: &str, rule: Option<&str>) -> String {
    let capitalized = |w: &str| {
        let mut cs = w.chars();
        cs.next()
            .map(|f| f.to_uppercase().chain(cs).collect::<String>())
            .unwrap_or_default()
    };
    let words = || field.split('_').filter(|w| !w.is_empty());
    match rule {
        Some("lowercase") => field.to_lowercase(),
        Some("UPPERCASE" | "SCREAMING_SNAKE_CASE") => field.to_uppercase(),
        Some("PascalCase") => words().map(capitalized).collect(),
        Some("camelCase") => words()
            .enumerate()
            .map(|(n, w)| {
                if n == 0 {
                    w.to_string()
                } else {
                    capitalized(w)
                }
            })
            .collect(),
        Some("kebab-case") => field.replace('_', "-"),
        Some("SCREAMING-KEBAB-CASE") => field.replace('_', "-").to_uppercase(),
        _ => field.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn arrows_must_match_the_manifests() {
        let core = package("shiming-core", &[], true);
        let tool = package("xtask", &[("shiming-core", DepKind::Normal)], false);
        let gateway = package(
            "shiming-gateway",
            &[
                ("shiming-core", DepKind::Normal),
                ("shiming-mock-market", DepKind::Dev),
            ],
            true,
        );
        let packages = [core, tool, gateway];
        let doc = |arrows: &str| format!("# A\n\n{ARROWS_MARK}\n```\n{arrows}```\n");
        assert!(check_arrows(&packages, &doc("shiming-gateway -> shiming-core\n")).is_empty());
        let missing = check_arrows(&packages, &doc("\n"));
        let messages: Vec<&str> = missing.iter().map(|v| v.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`shiming-gateway` depends on `shiming-core`, which the list of arrows lacks",
                "the list of arrows is empty"
            ]
        );
        let extra = check_arrows(
            &packages,
            &doc("shiming-gateway -> shiming-core, shiming-mock-market\n"),
        );
        assert_eq!(extra.len(), 1, "{extra:?}");
        assert!(extra[0].message.contains("no manifest has"));
        assert_eq!(extra[0].line, 3, "the line of the mark");
        assert_eq!(check_arrows(&packages, "# no list").len(), 1);
    }

    use super::*;

    /// The rule and line of each violation.
    fn found(violations: &[Violation]) -> Vec<(&'static str, u32)> {
        violations.iter().map(|v| (v.rule, v.line)).collect()
    }

    /// `core-io` on one source text.
    fn core_io(src: &str) -> Vec<Violation> {
        check_core_io(Path::new("crates/core/src/x.rs"), &lex(src))
    }

    #[test]
    fn the_lexer_keeps_strings_whole_and_drops_comments() {
        let src = "// std::fs\n/* a /* nested */ std::fs */ let s = \"std::\\\"fs\";\n\
                   let r = br#\"a\"b\"#; let c = '\\''; let d = '\"'; fn f<'a>(x: &'a str) {}\n\
                   /// doc std::fs\nlet r#type = c\"x\"; let n = 1.5e3; let range = 0..2;";
        let tokens = lex(src);
        let strings: Vec<(&str, u32)> = tokens
            .iter()
            .filter(|t| t.kind == Kind::Str)
            .map(|t| (t.text.as_str(), t.line))
            .collect();
        assert_eq!(strings, [("std::\\\"fs", 2), ("a\"b", 3), ("x", 5)]);
        assert!(!tokens.iter().any(|t| t.ident("fs") || t.ident("doc")));
        assert!(tokens.iter().any(|t| t.ident("type") && t.line == 5));
        assert!(tokens
            .iter()
            .any(|t| t.text == "'a" && t.kind == Kind::Other));
        assert!(tokens.iter().any(|t| t.text == "1.5e3"));
        assert!(
            tokens.iter().any(|t| t.text == "2" && t.line == 5),
            "0..2 is not a float"
        );
    }

    #[test]
    fn use_trees_expand_to_one_path_per_leaf() {
        let p: Vec<String> = paths(&lex(
            "use std::{fs::{self, File}, io as i, time::*}; use ::tokio::main;",
        ))
        .into_iter()
        .map(|p| p.segments.join("::"))
        .collect();
        assert_eq!(
            p,
            [
                "std::fs",
                "std::fs::File",
                "std::io",
                "std::time::*",
                "tokio::main"
            ]
        );
    }

    #[test]
    fn core_io_fails_on_io_in_every_form() {
        for src in [
            "use std::fs;",
            "use std::{fs::File, io};",
            "use std::{io, net::TcpStream};",
            "use std::io::{self, stdout};",
            "fn f() { let _ = std::env::var(\"X\"); }",
            "fn f() { ::std::process::exit(1) }",
            "use std::time::SystemTime;",
            "fn f() { let _ = std::time::Instant::now(); }",
            "use std::time::Instant;\nfn f() { let _ = Instant::now(); }",
            "#[tokio::test]\nasync fn t() {}",
            "fn f() { println!(\"x\"); }",
            "fn f() { dbg!(1); }",
            "#[cfg(test)]\nmod tests { fn t() { std::fs::read(\"x\").ok(); } }",
        ] {
            let v = core_io(src);
            assert_eq!(v.len(), 1, "{src}: {v:?}");
            assert_eq!(v[0].rule, "core-io");
        }
        let v = core_io("//! Dates.\n\nuse std::{\n    fmt,\n    fs,\n};\n");
        assert_eq!(found(&v), [("core-io", 5)]);
        assert_eq!(
            v[0].to_string(),
            "crates/core/src/x.rs:5: core-io: `std::fs` reaches the file system: shiming-core \
             does no I/O (take the value as a parameter, or compile data in with build.rs)"
        );
    }

    #[test]
    fn core_io_passes_comments_strings_and_pure_paths() {
        let src = "//! ```\n//! std::fs::read(\"x\");\n//! ```\n\
                   /// let _ = std::env::var(\"X\"); SystemTime::now()\n// tokio\n\
                   /* println!(\"x\") */\nuse std::fmt::Write;\nuse std::time::Instant;\n\
                   use std::io::Error;\nconst S: &str = \"std::fs\";\n\
                   fn f(_i: Instant) -> &'static str {\n\
                   let x = 1; x != 2; env!(\"CARGO_PKG_NAME\") }\n\
                   const D: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/t.bin\"));";
        assert_eq!(core_io(src), []);
    }

    /// A package with `deps` (name, kind) and the manifest text that declares them.
    fn package(name: &str, deps: &[(&str, DepKind)], published: bool) -> Package {
        let mut manifest = format!("[package]\nname = \"{name}\"\n");
        for (kind, table) in [
            (DepKind::Normal, "dependencies"),
            (DepKind::Dev, "dev-dependencies"),
            (DepKind::Build, "build-dependencies"),
        ] {
            manifest.push_str(&format!("\n[{table}]\n"));
            for (dep, _) in deps.iter().filter(|(_, k)| *k == kind) {
                manifest.push_str(&format!("{dep}.workspace = true\n"));
            }
        }
        Package {
            name: name.into(),
            manifest: PathBuf::from(format!("crates/{name}/Cargo.toml")),
            manifest_text: manifest,
            published,
            deps: deps
                .iter()
                .map(|(d, kind)| Dep {
                    name: (*d).into(),
                    kind: *kind,
                })
                .collect(),
            lib_root: None,
            bin_roots: Vec::new(),
        }
    }

    /// Today's graph, from `cargo metadata` (tools included).
    fn todays_graph() -> Vec<Package> {
        use DepKind::*;
        let vendor = |name| {
            package(
                name,
                &[
                    ("shiming-core", Normal),
                    ("shiming-gateway", Normal),
                    ("shiming-mock-market", Dev),
                ],
                true,
            )
        };
        vec![
            package(
                "shiming-core",
                &[("serde", Normal), ("proptest", Dev)],
                true,
            ),
            package(
                "shiming-gateway",
                &[
                    ("shiming-core", Normal),
                    ("tokio", Normal),
                    ("shiming-mock-market", Dev),
                ],
                true,
            ),
            package(
                "shiming-mock-market",
                &[
                    ("shiming-core", Normal),
                    ("shiming-console-assets", Normal),
                    ("tokio", Normal),
                ],
                true,
            ),
            vendor("shiming-tel3"),
            vendor("shiming-sfz2"),
            package(
                "shiming",
                &[
                    ("shiming-core", Normal),
                    ("shiming-gateway", Normal),
                    ("shiming-tel3", Normal),
                    ("shiming-sfz2", Normal),
                    ("shiming-mock-market", Dev),
                ],
                true,
            ),
            package(
                "shiming-cli",
                &[
                    ("shiming", Normal),
                    ("shiming-core", Normal),
                    ("shiming-mock-market", Normal),
                ],
                true,
            ),
            package(
                "shiming-fuzz-targets",
                &[("shiming-cli", Normal), ("shiming-tel3", Normal)],
                false,
            ),
            package("xtask", &[("shiming-core", Normal)], false),
            package(
                "shiming-store",
                &[("shiming-core", Normal), ("governor", Normal)],
                true,
            ),
            package("shiming-console-assets", &[], true),
        ]
    }

    #[test]
    fn layers_pass_on_todays_graph_with_or_without_the_kit() {
        let mut graph = todays_graph();
        assert_eq!(check_layers(&graph), []);
        graph.push(package(
            "shiming-vendor-kit",
            &[
                ("shiming-core", DepKind::Normal),
                ("shiming-gateway", DepKind::Normal),
            ],
            true,
        ));
        graph[3].deps.push(Dep {
            name: "shiming-vendor-kit".into(),
            kind: DepKind::Normal,
        });
        assert_eq!(check_layers(&graph), []);
    }

    #[test]
    fn layers_fail_on_arrows_that_point_up_or_sideways() {
        use DepKind::*;
        let broken = |name: &str, dep: &str, kind: DepKind| {
            let mut graph = todays_graph();
            graph.push(package(
                "shiming-vendor-kit",
                &[("shiming-core", Normal)],
                true,
            ));
            let p = graph
                .iter_mut()
                .find(|p| p.name == name)
                .expect("a package of the graph");
            p.deps.push(Dep {
                name: dep.into(),
                kind,
            });
            let table = match kind {
                Normal => "dependencies",
                Build => "build-dependencies",
                Dev => "dev-dependencies",
            };
            p.manifest_text
                .push_str(&format!("\n[{table}]\n{dep} = {{ path = \"x\" }}\n"));
            let last = u32::try_from(p.manifest_text.lines().count()).unwrap_or(0);
            let v = check_layers(&graph);
            assert!(
                v.iter().all(|v| v.line == last),
                "the dependency's line: {v:?}"
            );
            v
        };
        for (name, dep) in [
            ("shiming-core", "shiming-gateway"),
            ("shiming-gateway", "shiming-vendor-kit"),
            ("shiming-gateway", "shiming-tel3"),
            ("shiming-gateway", "shiming-mock-market"),
            ("shiming-mock-market", "shiming-gateway"),
            ("shiming-mock-market", "shiming-vendor-kit"),
            ("shiming-mock-market", "shiming-tel3"),
            ("shiming-tel3", "shiming-sfz2"),
            ("shiming-tel3", "shiming"),
            ("shiming", "shiming-cli"),
            ("shiming-store", "shiming-gateway"),
            ("shiming-gateway", "shiming-store"),
            ("shiming-store", "shiming-tel3"),
        ] {
            let v = broken(name, dep, Normal);
            assert_eq!(v.len(), 1, "{name} -> {dep}: {v:?}");
            assert_eq!(v[0].rule, "layers");
            assert_eq!(broken(name, dep, Build).len(), 1, "{name} -> {dep} (build)");
            assert_eq!(broken(name, dep, Dev), [], "{name} -> {dep} (dev)");
        }
        let v = broken("shiming-mock-market", "shiming-tel3", Normal);
        assert!(v[0]
            .message
            .contains("never on the transport, the vendor kit or a vendor crate"));
        // Nothing depends on a tool, not even for tests.
        assert_eq!(broken("shiming-cli", "shiming-fuzz-targets", Dev).len(), 1);
        assert_eq!(broken("shiming-core", "xtask", Dev).len(), 1);
    }

    /// The entries of [`LAYERS`] for `graph`'s published crates: today's table as a workspace
    /// with only those crates would hold it.
    fn table_of(graph: &[Package]) -> Vec<Layer> {
        LAYERS
            .iter()
            .filter(|l| graph.iter().any(|p| p.published && p.name == l.package))
            .copied()
            .collect()
    }

    #[test]
    fn the_table_gives_a_floor_to_every_published_member_and_to_nothing_else() {
        let graph = todays_graph();
        let table = table_of(&graph);
        assert_eq!(table.len(), 9);
        assert_eq!(check_table(&graph, &table), []);
        // A published member without a floor fails at its manifest; a tool needs none.
        let mut more = todays_graph();
        more.push(package("shiming-extra", &[], true));
        more.push(package(
            "shiming-bench",
            &[("shiming", DepKind::Normal)],
            false,
        ));
        let v = check_table(&more, &table);
        assert_eq!(found(&v), [("layers", 1)]);
        assert_eq!(v[0].path, Path::new("crates/shiming-extra/Cargo.toml"));
        assert!(
            v[0].message.contains("add it to LAYERS"),
            "{}",
            v[0].message
        );
        // That is the one violation: a crate depending on it is not told it uses a tool.
        if let Some(cli) = more.iter_mut().find(|p| p.name == "shiming-cli") {
            cli.deps.push(Dep {
                name: "shiming-extra".into(),
                kind: DepKind::Normal,
            });
        }
        assert_eq!(check_layers(&more), []);
        // An entry that is no member fails at the table: here, today's whole table over a
        // workspace without the kit and three of the vendor crates.
        let v = check_table(&graph, LAYERS);
        let missing = [
            "shiming-vendor-kit",
            "shiming-sxm3v2",
            "shiming-sjsys",
            "shiming-phonethird",
        ];
        assert_eq!(v.len(), missing.len(), "{v:?}");
        for (v, name) in v.iter().zip(&missing) {
            assert_eq!(
                (v.path.as_path(), v.line),
                (Path::new(LAYERS_AT.0), LAYERS_AT.1)
            );
            assert!(
                v.message.contains(&format!("`{name}`"))
                    && v.message.contains("no workspace member"),
                "{}",
                v.message
            );
        }
        // So does an entry for a tool.
        let mut with_tool = table.clone();
        with_tool.push(layer("xtask", 6, Role::Cli));
        let v = check_table(&graph, &with_tool);
        assert_eq!(found(&v), [("layers", LAYERS_AT.1)]);
        assert!(v[0].message.contains("`xtask`") && v[0].message.contains("publish = false"));
    }

    #[test]
    fn the_test_support_is_the_one_tool_crates_may_use_and_only_in_tests() {
        use DepKind::*;
        let with = |name: &str, dep: &str, kind: DepKind| {
            let mut graph = todays_graph();
            graph.push(package(
                TEST_SUPPORT,
                &[
                    ("shiming-core", Normal),
                    ("shiming-gateway", Normal),
                    ("shiming-mock-market", Normal),
                ],
                false,
            ));
            let p = graph
                .iter_mut()
                .find(|p| p.name == name)
                .expect("a package of the graph");
            p.deps.push(Dep {
                name: dep.into(),
                kind,
            });
            check_layers(&graph)
        };
        for name in [
            "shiming-core",
            "shiming-gateway",
            "shiming-mock-market",
            "shiming-tel3",
            "shiming",
            "shiming-cli",
        ] {
            assert_eq!(with(name, TEST_SUPPORT, Dev), [], "{name} (dev)");
            for kind in [Normal, Build] {
                let v = with(name, TEST_SUPPORT, kind);
                assert_eq!(v.len(), 1, "{name} ({kind:?}): {v:?}");
                assert_eq!(v[0].rule, "layers");
                assert!(v[0].message.contains("a tool crate"), "{}", v[0].message);
            }
        }
        // The exception is that one crate: any other tool stays out of every test.
        assert_eq!(with("shiming-tel3", "shiming-fuzz-targets", Dev).len(), 1);
        assert_eq!(with("shiming-tel3", "xtask", Dev).len(), 1);
    }

    #[test]
    fn core_deps_fail_on_an_io_crate() {
        use DepKind::*;
        assert_eq!(
            check_core_deps(&package(
                "shiming-core",
                &[("serde", Normal), ("tokio", Dev)],
                true
            )),
            []
        );
        for kind in [Normal, Build] {
            let v = check_core_deps(&package(
                "shiming-core",
                &[("serde", Normal), ("tokio", kind)],
                true,
            ));
            assert_eq!(v.len(), 1, "{kind:?}");
            assert_eq!(v[0].rule, "core-deps");
        }
        let v = check_core_deps(&package(
            "shiming-core",
            &[("serde", Normal), ("hyper", Normal)],
            true,
        ));
        assert_eq!(found(&v), [("core-deps", 6)]);
    }

    #[test]
    fn dependency_lines_are_found_in_every_table_form() {
        let manifest = "[package]\nname = \"a\"\n[dependencies]\nserde = \"1\"\n\
                        [dev-dependencies]\ntokio = \"1\"\n[target.'cfg(unix)'.dependencies]\n\
                        tokio.workspace = true\n[dependencies.hyper]\nversion = \"1\"\n";
        assert_eq!(dependency_line(manifest, "serde", DepKind::Normal), 4);
        assert_eq!(dependency_line(manifest, "tokio", DepKind::Dev), 6);
        assert_eq!(dependency_line(manifest, "tokio", DepKind::Normal), 8);
        assert_eq!(dependency_line(manifest, "hyper", DepKind::Normal), 9);
        assert_eq!(dependency_line(manifest, "absent", DepKind::Normal), 1);
    }

    /// The vendor crate modules' identifiers.
    fn vendors() -> BTreeSet<String> {
        vendor_idents()
    }

    #[test]
    fn wire_calls_fail_outside_vendor_crates() {
        for src in [
            "fn f(r: &R) { let _ = shiming_tel3::response::decode(r); }",
            "fn f(r: &R) { let _ = shiming::tel3::response::decode(r); }",
            "use shiming_sjsys::{response, Client};",
            "use shiming_sfz2::request::encode;",
            "fn f() { let _ = tel3::request::encode(\"x\", &who); }",
            "fn f() { let _ = decode_parts(s, b, true, None); }",
        ] {
            let v = check_wire_calls(Path::new("a.rs"), &strip_test_code(&lex(src)), &vendors());
            assert_eq!(v.len(), 1, "{src}: {v:?}");
            assert_eq!(v[0].rule, "wire-format");
        }
        let clean = "use shiming_tel3::Tel3Client;\npub use shiming_tel3 as tel3;\n\
                     fn f(e: &E) { let _ = e.decode(b\"x\"); let _ = response::Builder::new(); }\n\
                     // shiming_tel3::response::decode\n\
                     #[cfg(test)]\nmod tests { fn t() { shiming_tel3::response::decode(&r); } }\n\
                     #[test]\nfn t() { let _ = shiming_tel3::response::decode_parts(); }";
        assert_eq!(
            check_wire_calls(Path::new("a.rs"), &strip_test_code(&lex(clean)), &vendors()),
            []
        );
    }

    #[test]
    fn wire_names_are_derived_from_serde_structs() {
        let src = "#[derive(Debug, serde::Deserialize)]\n#[serde(rename_all = \"camelCase\")]\n\
                   pub(crate) struct Answer<'a> {\n    pub code: Option<&'a str>,\n\
                   #[serde(default)] pub seq_no: Option<String>,\n\
                   #[serde(rename = \"isFee\", alias = \"is_fee\")] fee: Map<String, Vec<u8>>,\n\
                   #[serde(flatten)] rest: Extra,\n    f: fn(u8) -> u8,\n    r#type: u8,\n}\n\
                   #[derive(Serialize)] struct Tuple(u8);\n\
                   #[derive(Debug)] struct NotSerde { xm: u8 }\n\
                   #[derive(Deserialize)] #[serde(untagged)] enum E { A(u8) }";
        let names: Vec<(String, u32)> = serde_fields(&lex(src));
        let names: Vec<(&str, u32)> = names.iter().map(|(n, l)| (n.as_str(), *l)).collect();
        assert_eq!(
            names,
            [
                ("code", 4),
                ("seqNo", 5),
                ("isFee", 6),
                ("is_fee", 6),
                ("f", 8),
                ("type", 9)
            ]
        );
        assert_eq!(
            rename_field("mobile_channel", Some("PascalCase")),
            "MobileChannel"
        );
        assert_eq!(
            rename_field("seq_no", Some("SCREAMING-KEBAB-CASE")),
            "SEQ-NO"
        );
        let all: BTreeSet<String> = ["code", "msg", "seqNo", "xm"].map(String::from).into();
        let distinctive: Vec<String> = distinctive_wire_names(&all).into_iter().collect();
        assert_eq!(distinctive, ["seqNo", "xm"]);
    }

    #[test]
    fn wire_names_fail_outside_vendor_crates() {
        let distinctive: BTreeSet<String> = ["isFee", "seqNo", "xm"].map(String::from).into();
        let check = |src: &str| {
            check_wire_names(Path::new("a.rs"), &strip_test_code(&lex(src)), &distinctive)
        };
        for src in [
            "#[derive(Deserialize)]\nstruct Mine { #[serde(rename = \"isFee\")] fee: String }",
            "#[derive(Deserialize)]\n#[serde(rename_all = \"camelCase\")]\n\
             struct Mine { seq_no: String }",
            "#[derive(serde::Serialize)]\npub struct Mine { pub xm: String }",
            "fn f(v: &Value) -> bool { v[\"isFee\"] == \"1\" }",
            "fn f(r: Req) -> Req { r.query(\"xm\", \"x\") }",
        ] {
            let v = check(src);
            assert_eq!(v.len(), 1, "{src}: {v:?}");
            assert_eq!(v[0].rule, "wire-format");
        }
        let clean =
            "#[derive(Deserialize)]\nstruct Config { code: String, name: String, seq: u8 }\n\
                     /// Reads `isFee`.\nfn f() -> &'static str { \"isFee=1\" }\n\
                     #[derive(Debug)] struct Plain { xm: u8 }\n\
                     #[cfg(test)]\nmod tests { const B: &str = \"seqNo\"; }";
        assert_eq!(check(clean), []);
    }

    #[test]
    fn public_enums_see_stacked_attributes_and_doc_comments() {
        let src = "/// A.\n#[derive(Debug)]\n/// More.\n#[non_exhaustive]\n/// Even more.\n\
                   #[derive(Clone)]\npub enum A { X }\n\
                   /// B.\n#[derive(Debug)]\npub enum B { X }\n\
                   pub(crate) enum C { X }\nenum D { X }\n\
                   #[cfg(test)]\nmod tests { pub enum E { X } }\n\
                   macro_rules! m { ($v:vis) => { $v enum F { X } } }";
        let enums = public_enums(&strip_test_code(&lex(src)));
        let got: Vec<(&str, bool, u32)> = enums
            .iter()
            .map(|e| (e.name.as_str(), e.non_exhaustive, e.line))
            .collect();
        assert_eq!(got, [("A", true, 7), ("B", false, 10)]);
    }

    #[test]
    fn non_exhaustive_fails_on_an_exhaustive_enum_and_a_stale_exception() {
        let p = package("shiming-core", &[], true);
        let enums = |src: &str| -> Vec<(PathBuf, EnumDecl)> {
            public_enums(&lex(src))
                .into_iter()
                .map(|e| (PathBuf::from("lib.rs"), e))
                .collect()
        };
        let exceptions = &[("shiming-core", "Outcome", "like a Result")];
        let clean =
            "#[non_exhaustive]\npub enum Verdict { A }\n/// Either.\npub enum Outcome { A }";
        assert_eq!(check_non_exhaustive(&p, &enums(clean), exceptions), []);
        let open = "#[non_exhaustive]\npub enum Verdict { A }\npub enum Outcome { A }\n\
                    #[derive(Debug)]\npub enum Kind { A }";
        assert_eq!(
            found(&check_non_exhaustive(&p, &enums(open), exceptions)),
            [("non-exhaustive", 5)]
        );
        // Another crate's enum of the same name is not excepted.
        let other = package("shiming", &[], true);
        assert_eq!(
            check_non_exhaustive(&other, &enums(clean), exceptions).len(),
            1
        );
        // An exception that matches nothing is reported, so the list stays true.
        let stale =
            "#[non_exhaustive]\npub enum Verdict { A }\n#[non_exhaustive]\npub enum Outcome { A }";
        let v = check_non_exhaustive(&p, &enums(stale), exceptions);
        assert_eq!(v.len(), 1);
        assert!(v[0].message.contains("remove the entry"), "{v:?}");
    }

    #[test]
    fn unique_names_fail_on_a_shared_public_type_but_the_parallel_wire_types() {
        let src = "pub struct Answer;\npub(crate) struct Hidden;\npub enum InputError {}\n\
                   pub type CatalogueEntry = E;\npub trait Api {}\nstruct Private;\n\
                   macro_rules! m { ($v:vis) => { pub struct $t; } }\n\
                   #[cfg(test)]\nmod tests { pub struct Fake; }";
        let got = public_types(&strip_test_code(&lex(src)));
        let got: Vec<(&str, u32)> = got.iter().map(|(n, l)| (n.as_str(), *l)).collect();
        assert_eq!(
            got,
            [
                ("Answer", 1),
                ("InputError", 3),
                ("CatalogueEntry", 4),
                ("Api", 5)
            ]
        );
        let decl = |package: &str, role, name: &str, line| -> TypeDecl {
            let path = PathBuf::from(format!("crates/{package}/src/lib.rs"));
            (package.into(), Some(role), path, name.into(), line)
        };
        let vendors = [
            decl("shiming-tel3", Role::Vendor, "Answer", 1),
            decl("shiming-sjsys", Role::Vendor, "Answer", 2),
            decl("shiming-sjsys", Role::Vendor, "Data", 3),
            decl("shiming-sxm3v2", Role::Vendor, "Data", 4),
            decl("shiming-core", Role::Core, "InputError", 5),
        ];
        assert_eq!(check_unique_names(&vendors), []);
        // A vendor crate's own type is no exception, nor is a parallel name outside them.
        let mut clash = vendors.to_vec();
        clash.push(decl("shiming-cli", Role::Cli, "InputError", 6));
        clash.push(decl("shiming-tel3", Role::Vendor, "Tel3Api", 7));
        clash.push(decl("shiming-sfz2", Role::Vendor, "Tel3Api", 8));
        clash.push(decl("shiming-mock-market", Role::Mock, "Answer", 9));
        let v = check_unique_names(&clash);
        assert_eq!(
            found(&v),
            [1, 2, 5, 6, 7, 8, 9].map(|line| ("unique-names", line))
        );
        assert!(
            v[6].to_string().ends_with(
                "public type `Answer` is also declared by shiming-sjsys, shiming-tel3: \
                 rename one (no two public types share a name but the vendor crates' \
                 PARALLEL_WIRE_TYPES)"
            ),
            "{v:?}"
        );
    }

    #[test]
    fn missing_docs_fails_without_the_crate_attribute() {
        let check = |src: &str| check_missing_docs(Path::new("lib.rs"), &lex(src));
        assert_eq!(check("//! Docs.\n#![deny(missing_docs)]\npub mod a;"), None);
        assert_eq!(check("#![forbid(unsafe_code, missing_docs)]"), None);
        assert_eq!(check("#![deny(rust_2018_idioms, missing_docs)]"), None);
        for src in [
            "//! Docs.\npub mod a;",
            "//! #![deny(missing_docs)]\npub mod a;",
            "#![warn(missing_docs)]",
            "#![allow(missing_docs)]",
            "#[deny(missing_docs)]\nmod a;",
        ] {
            let v = check(src);
            assert!(
                v.as_ref().is_some_and(|v| v.rule == "missing-docs"),
                "{src}: {v:?}"
            );
        }
    }

    /// A reader over in-memory files.
    fn files(list: &[(&str, &str)]) -> BTreeMap<PathBuf, String> {
        list.iter()
            .map(|(p, t)| (PathBuf::from(p), (*t).to_string()))
            .collect()
    }

    #[test]
    fn source_trees_follow_mod_declarations() {
        let fs = files(&[
            (
                "c/src/lib.rs",
                "pub mod a;\nmod b;\n#[cfg(test)]\nmod tests;\nmod inline { pub mod deep; }",
            ),
            ("c/src/a.rs", "pub mod child;"),
            ("c/src/a/child.rs", ""),
            ("c/src/b/mod.rs", "#[path = \"other.rs\"]\nmod renamed;"),
            ("c/src/b/other.rs", ""),
            ("c/src/tests.rs", "mod helper;"),
            ("c/src/tests/helper.rs", ""),
            ("c/src/inline/deep.rs", ""),
            ("c/src/main.rs", "mod cli;\nmod a;"),
            ("c/src/cli.rs", "mod missing;"),
        ]);
        let read = |p: &Path| fs.get(p).cloned();
        let (got, trouble) = crate_files(
            Some(Path::new("c/src/lib.rs")),
            &[PathBuf::from("c/src/main.rs")],
            &read,
        );
        let got: BTreeMap<String, (bool, bool)> = got
            .iter()
            .map(|f| (f.path.display().to_string(), (f.test_only, f.in_lib)))
            .collect();
        let want: BTreeMap<String, (bool, bool)> = [
            ("c/src/lib.rs", (false, true)),
            ("c/src/a.rs", (false, true)),
            ("c/src/a/child.rs", (false, true)),
            ("c/src/b/mod.rs", (false, true)),
            ("c/src/b/other.rs", (false, true)),
            ("c/src/tests.rs", (true, true)),
            ("c/src/tests/helper.rs", (true, true)),
            ("c/src/inline/deep.rs", (false, true)),
            ("c/src/main.rs", (false, false)),
            ("c/src/cli.rs", (false, false)),
        ]
        .into_iter()
        .map(|(p, f)| (p.to_string(), f))
        .collect();
        assert_eq!(got, want);
        assert_eq!(trouble.len(), 1);
        assert_eq!(
            trouble[0].to_string(),
            "c/src/cli.rs:1: tidy: cannot find the file of `mod missing` (looked for \
             c/src/cli/missing.rs, c/src/cli/missing/mod.rs)"
        );
    }

    /// A package of `cargo metadata` output (workspace root `/ws`).
    fn meta_package(
        name: &str,
        dir: &str,
        deps: &[(&str, Option<&str>)],
        publish: bool,
        bin: bool,
    ) -> serde_json::Value {
        let mut targets =
            vec![serde_json::json!({"kind": ["lib"], "src_path": format!("/ws/{dir}/src/lib.rs")})];
        if bin {
            targets.push(
                serde_json::json!({"kind": ["bin"], "src_path": format!("/ws/{dir}/src/main.rs")}),
            );
        }
        targets.push(
            serde_json::json!({"kind": ["test"], "src_path": format!("/ws/{dir}/tests/t.rs")}),
        );
        serde_json::json!({
            "name": name,
            "manifest_path": format!("/ws/{dir}/Cargo.toml"),
            "publish": if publish { serde_json::Value::Null } else { serde_json::json!([]) },
            "dependencies": deps
                .iter()
                .map(|(d, kind)| serde_json::json!({"name": d, "kind": kind}))
                .collect::<Vec<_>>(),
            "targets": targets,
        })
    }

    /// A small workspace shaped like this one, as metadata and files, and whether to break each
    /// invariant in it.
    fn workspace(broken: bool) -> (Vec<Package>, BTreeMap<PathBuf, String>) {
        let mut packages = vec![
            meta_package(
                "shiming-core",
                "crates/core",
                &[("serde", None), ("proptest", Some("dev"))],
                true,
                false,
            ),
            meta_package(
                "shiming-gateway",
                "crates/gateway",
                &[("shiming-core", None), ("hyper", None)],
                true,
                false,
            ),
            meta_package(
                "shiming-mock-market",
                "crates/mock-market",
                &[("shiming-core", None)],
                true,
                true,
            ),
            meta_package(
                "shiming-tel3",
                "crates/vendors/tel3",
                &[
                    ("shiming-core", None),
                    ("shiming-gateway", None),
                    ("shiming-mock-market", Some("dev")),
                ],
                true,
                false,
            ),
            meta_package(
                "shiming",
                "crates/shiming",
                &[("shiming-core", None), ("shiming-tel3", None)],
                true,
                false,
            ),
            meta_package(
                "shiming-cli",
                "crates/cli",
                &[("shiming", None), ("shiming-mock-market", None)],
                true,
                true,
            ),
            meta_package(
                "shiming-fuzz-targets",
                "crates/fuzz-targets",
                &[("shiming-tel3", None), ("shiming-cli", None)],
                false,
                false,
            ),
        ];
        let mut fs = files(&[
            (
                "crates/core/src/lib.rs",
                "//! Core.\n#![deny(missing_docs)]\nmod date;\n/// A verdict.\n#[non_exhaustive]\n\
                 pub enum Verdict { Match }\n/// Either.\npub enum Outcome { A }\n\
                 #[cfg(test)]\nmod tests;",
            ),
            (
                "crates/core/src/date.rs",
                "/// Today, from the caller.\n\
                 pub(crate) fn today(d: u32) -> u32 { d } // never SystemTime::now()",
            ),
            (
                "crates/core/src/tests.rs",
                "#[test]\nfn t() { assert_eq!(super::date::today(1), 1); }",
            ),
            (
                "crates/gateway/src/lib.rs",
                "#![deny(missing_docs)]\n/// Sends.\npub fn send() -> std::io::Result<()> {\n\
                 std::net::TcpStream::connect(\"x\").map(drop) }",
            ),
            (
                "crates/mock-market/src/lib.rs",
                "#![deny(missing_docs)]\n#[derive(serde::Serialize)]\n\
                 struct Body { #[serde(rename = \"isFee\")] is_fee: u8, xm: String }",
            ),
            (
                "crates/mock-market/src/main.rs",
                "fn main() { println!(\"{}\", \"seqNo\"); }",
            ),
            (
                "crates/vendors/tel3/src/lib.rs",
                "//! tel3.\n#![deny(missing_docs)]\npub mod response;\nmod client;",
            ),
            (
                "crates/vendors/tel3/src/client.rs",
                "fn call() { let _ = crate::response::decode_parts(); }",
            ),
            (
                "crates/vendors/tel3/src/response.rs",
                "#[derive(Deserialize)]\n#[serde(rename_all = \"camelCase\")]\n\
                 pub struct Answer {\n    pub code: Option<String>,\n\
                 pub seq_no: Option<String>,\n    #[serde(rename = \"isFee\")]\n\
                 pub fee: Option<String>,\n    pub xm: Option<String>,\n}\n\
                 /// Decodes.\npub fn decode_parts() {}",
            ),
            (
                "crates/shiming/src/lib.rs",
                "#![deny(missing_docs)]\npub use shiming_tel3 as tel3;\n\
                 #[derive(serde::Deserialize)]\nstruct Config { code: u8, name: String }",
            ),
            (
                "crates/cli/src/lib.rs",
                "#![deny(missing_docs)]\npub mod input;",
            ),
            (
                "crates/cli/src/input.rs",
                "/// A kind.\n#[non_exhaustive]\npub enum Kind { A }",
            ),
            ("crates/cli/src/main.rs", "mod verify;\nfn main() {}"),
            (
                "crates/cli/src/verify.rs",
                "pub enum What { A } // the binary's own: no public API\n#[cfg(test)]\n\
                 mod tests { fn t() { let _ = shiming::tel3::response::decode(&r); } }",
            ),
            (
                "crates/fuzz-targets/src/lib.rs",
                "pub fn f(d: &[u8]) { let _ = shiming_tel3::response::decode_parts(d); }",
            ),
        ]);
        if broken {
            let mut add = |k: usize, dep: serde_json::Value| {
                if let Some(deps) = packages[k]["dependencies"].as_array_mut() {
                    deps.push(dep);
                }
            };
            add(0, serde_json::json!({"name": "tokio", "kind": null}));
            add(2, serde_json::json!({"name": "shiming-tel3", "kind": null}));
            add(
                5,
                serde_json::json!({"name": "shiming-fuzz-targets", "kind": "dev"}),
            );
            let edits = [
                ("crates/core/src/date.rs", "use std::{fs, io};\n"),
                (
                    "crates/shiming/src/lib.rs",
                    "const K: &str = \"seqNo\";\n\
                     fn f(r: &R) { let _ = tel3::response::decode(r); }\n",
                ),
                (
                    "crates/cli/src/input.rs",
                    "/// Open.\npub enum Open { A }\n",
                ),
                ("crates/core/src/lib.rs", "#[non_exhaustive]\n"),
            ];
            for (path, prefix) in edits {
                if let Some(text) = fs.get_mut(Path::new(path)) {
                    text.insert_str(0, prefix);
                }
            }
            if let Some(text) = fs.get_mut(Path::new("crates/gateway/src/lib.rs")) {
                *text = text.replace("#![deny(missing_docs)]", "");
            }
            if let Some(text) = fs.get_mut(Path::new("crates/core/src/lib.rs")) {
                *text = text.replace("/// Either.\n", "/// Either.\n#[non_exhaustive]\n");
            }
        }
        let json = serde_json::json!({"workspace_root": "/ws", "packages": packages}).to_string();
        let packages = parse_metadata(&json).expect("the synthetic metadata parses");
        (packages, fs)
    }

    #[test]
    fn a_clean_workspace_passes() {
        let (packages, fs) = workspace(false);
        let manifests: Vec<String> = packages
            .iter()
            .map(|p| p.manifest.display().to_string())
            .collect();
        assert!(manifests.contains(&"crates/vendors/tel3/Cargo.toml".to_string()));
        assert!(!packages
            .iter()
            .find(|p| p.name == "shiming-fuzz-targets")
            .is_some_and(|p| p.published));
        let read = |p: &Path| fs.get(p).cloned();
        assert_eq!(check(packages, &read), []);
    }

    #[test]
    fn every_rule_fails_on_a_broken_workspace() {
        let (packages, fs) = workspace(true);
        let read = |p: &Path| fs.get(p).cloned();
        let got: Vec<String> = check(packages, &read)
            .iter()
            .map(|v| format!("{}:{}: {}", v.path.display(), v.line, v.rule))
            .collect();
        let mut want: Vec<String> = [
            "crates/cli/Cargo.toml:1: layers",
            "crates/cli/src/input.rs:2: non-exhaustive",
            "crates/core/Cargo.toml:1: core-deps",
            "crates/core/src/date.rs:1: core-io",
            "crates/gateway/src/lib.rs:1: missing-docs",
            "crates/mock-market/Cargo.toml:1: layers",
            "crates/shiming/src/lib.rs:1: wire-format",
            "crates/shiming/src/lib.rs:2: wire-format",
        ]
        .map(String::from)
        .into();
        // The stale exception (`Outcome` made #[non_exhaustive]) points at the table.
        want.push(format!(
            "xtask/src/tidy.rs:{}: non-exhaustive",
            EXHAUSTIVE_ENUMS_AT.1
        ));
        assert_eq!(got, want);
    }

    #[test]
    fn violations_about_the_tables_point_at_them() {
        let source: Vec<&str> = include_str!("tidy.rs").lines().collect();
        for ((file, line), table) in [
            (COMMON_WIRE_NAMES_AT, "const COMMON_WIRE_NAMES:"),
            (LAYERS_AT, "const LAYERS:"),
            (EXHAUSTIVE_ENUMS_AT, "const EXHAUSTIVE_ENUMS:"),
        ] {
            assert_eq!(file, "xtask/src/tidy.rs");
            let at = usize::try_from(line).unwrap_or(0).saturating_sub(1);
            assert!(source[at].starts_with(table), "line {line}: {}", source[at]);
        }
    }

    #[test]
    fn an_empty_list_of_wire_names_is_a_violation() {
        let (packages, mut fs) = workspace(false);
        fs.insert(
            "crates/vendors/tel3/src/response.rs".into(),
            "#[derive(Deserialize)]\npub struct Answer { pub code: Option<String> }".into(),
        );
        let read = |p: &Path| fs.get(p).cloned();
        let v = check(packages, &read);
        assert_eq!(found(&v), [("wire-format", COMMON_WIRE_NAMES_AT.1)]);
        assert!(v[0].message.contains("would check nothing"));
    }
}

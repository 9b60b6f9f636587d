//! The Redis backend: one Lua script per single-step [`Store`] method, each touching the keys of
//! one hash slot, so that every instance of a fleet sees one rate limit, one claim owner and one
//! budget; `begin` and `end` send several of those scripts in one pipeline (one round trip).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, Pipeline, RedisError, Script, ServerErrorKind, Value};
use shiming_core::{Date, Price, Vendor};

use crate::cache::{CachedVerdict, Claim, ClaimToken};
use crate::keys::{CacheKey, LimitKey};
use crate::ledger::{
    days_since_epoch, month_of, Event, LedgerSnapshot, Period, QuotaStatus, QuotaWarning, Refusal,
    Reservation, ReserveOutcome, ReserveRequest, Scope, SettleOutcome, Settlement, Spend, Tally,
    VendorTally,
};
use crate::limit::{Rate, RateDecision};
use crate::steps::{BeginOutcome, BeginSteps, EndOutcome, EndSteps};
use crate::{Store, StoreError};

/// GCRA on the server's clock: `KEYS[1]` holds the theoretical arrival time in microseconds.
/// `ARGV[3]`: how far ahead (µs) a permit may be booked (`{2, wait}`); past that nothing is
/// taken (`{0, wait}`).
const ACQUIRE: &str = r"
local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1]); local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now); if tat < now then tat = now end
local wait = tat - tolerance - now
if wait > tonumber(ARGV[3]) then return {0, math.ceil(wait)} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.floor((new_tat - now) / 1000) + 1)
if wait > 0 then return {2, math.ceil(wait)} end
return {1, 0}
";

/// Ends a claim only while `ARGV[1]` still owns it (the cache's other steps are plain
/// commands: a claim is `SET … NX PX <lease> GET`, a fill `SET … PX <ttl>`).
const ABANDON: &str = r"
if redis.call('GET', KEYS[1]) == 'claim:' .. ARGV[1] then redis.call('DEL', KEYS[1]); return {1} end
return {0}
";

/// KEYS: seq, open, day, month, total, quota, vendors, events (one hash tag).
/// ARGV: vendor, worst case, has quota, package calls, expiry (days since 1970), expired,
/// six caps (vendor day/month/total, overall day/month/total; '' for none), day.
const RESERVE: &str = r"
local v = ARGV[1]; local worst = tonumber(ARGV[2]); local q = v .. ':'
redis.call('SADD', KEYS[7], v)
if ARGV[3] == '1' then
  local calls = redis.call('HGET', KEYS[6], q .. 'calls')
  local expires = redis.call('HGET', KEYS[6], q .. 'expires')
  if calls ~= ARGV[4] or expires ~= ARGV[5] then
    redis.call('HSET', KEYS[6], q .. 'calls', ARGV[4], q .. 'expires', ARGV[5], q .. 'used', 0, q .. 'maybe', 0)
    redis.call('HSETNX', KEYS[6], q .. 'in_flight', 0)
    redis.call('HDEL', KEYS[6], q .. 'warned:quota_low', q .. 'warned:quota_very_low',
      q .. 'warned:quota_used_up', q .. 'warned:quota_expiring')
  end
  if ARGV[6] == '1' then return {0, 'expired'} end
  local used = tonumber(redis.call('HGET', KEYS[6], q .. 'used') or 0)
  local in_flight = tonumber(redis.call('HGET', KEYS[6], q .. 'in_flight') or 0)
  if used + in_flight >= tonumber(ARGV[4]) then return {0, 'used_up', used, in_flight} end
end
local hashes = {KEYS[3], KEYS[4], KEYS[5]}
local scopes = {{v, 7, 'vendor'}, {'overall', 10, 'overall'}}
for _, s in ipairs(scopes) do
  for p = 1, 3 do
    local cap = ARGV[s[2] + p - 1]
    if cap ~= '' then
      local f = s[1] .. ':'
      local h = hashes[p]
      local committed = tonumber(redis.call('HGET', h, f .. 'spent') or 0)
        + tonumber(redis.call('HGET', h, f .. 'maybe') or 0)
        + tonumber(redis.call('HGET', h, f .. 'reserved') or 0)
      if committed + worst > tonumber(cap) then return {0, 'budget', s[3], p, committed} end
    end
  end
end
for _, h in ipairs(hashes) do
  for _, s in ipairs(scopes) do redis.call('HINCRBY', h, s[1] .. ':reserved', ARGV[2]) end
end
if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[6], q .. 'in_flight', 1) end
local id = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], id, v .. '|' .. ARGV[2] .. '|' .. ARGV[13] .. '|' .. ARGV[3])
return {1, id}
";

/// KEYS as for RESERVE. ARGV: id, `vendor|amount|day`, billed/not/maybe, billed price, day
/// (days since 1970).
const SETTLE: &str = r"
local rec = redis.call('HGET', KEYS[2], ARGV[1])
if not rec then return {-1} end
local v, amount, day, holds = string.match(rec, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
if not v or (v .. '|' .. amount .. '|' .. day) ~= ARGV[2] then return {-1} end
redis.call('HDEL', KEYS[2], ARGV[1])
local kind = ARGV[3]; local amt = tonumber(amount)
for _, h in ipairs({KEYS[3], KEYS[4], KEYS[5]}) do
  for _, s in ipairs({v, 'overall'}) do
    local f = s .. ':'
    if redis.call('HINCRBY', h, f .. 'reserved', -amt) < 0 then redis.call('HSET', h, f .. 'reserved', 0) end
    if kind == 'billed' then redis.call('HINCRBY', h, f .. 'spent', ARGV[4]) end
    if kind == 'maybe' then redis.call('HINCRBY', h, f .. 'maybe', amount) end
  end
end
local q = v .. ':'
if redis.call('HEXISTS', KEYS[6], q .. 'calls') == 0 then return {1} end
if holds == '1' then
  local in_flight = tonumber(redis.call('HGET', KEYS[6], q .. 'in_flight') or 0)
  if in_flight > 0 then redis.call('HINCRBY', KEYS[6], q .. 'in_flight', -1) end
  if kind == 'billed' or kind == 'maybe' then redis.call('HINCRBY', KEYS[6], q .. 'used', 1) end
  if kind == 'maybe' then redis.call('HINCRBY', KEYS[6], q .. 'maybe', 1) end
end
local calls = tonumber(redis.call('HGET', KEYS[6], q .. 'calls'))
local expires = tonumber(redis.call('HGET', KEYS[6], q .. 'expires'))
local used = tonumber(redis.call('HGET', KEYS[6], q .. 'used') or 0)
local left = calls - used; if left < 0 then left = 0 end
local days_left = expires - tonumber(ARGV[5])
local out = {1, left, calls, expires, days_left}
local function warn(code)
  if redis.call('HSETNX', KEYS[6], q .. 'warned:' .. code, 1) == 1 then table.insert(out, code) end
end
if used > 0 and left * 5 <= calls then warn('quota_low') end
if used > 0 and left * 20 <= calls then warn('quota_very_low') end
if used > 0 and left == 0 then warn('quota_used_up') end
if days_left >= 0 and days_left <= 7 then warn('quota_expiring') end
return out
";

/// KEYS as for RESERVE. ARGV: vendor, hit/wait, saved (厘) or waited (ns).
const RECORD: &str = r"
redis.call('SADD', KEYS[7], ARGV[1])
for _, s in ipairs({ARGV[1], 'overall'}) do
  if ARGV[2] == 'hit' then
    redis.call('HINCRBY', KEYS[8], s .. ':hits', 1); redis.call('HINCRBY', KEYS[8], s .. ':saved', ARGV[3])
  else
    redis.call('HINCRBY', KEYS[8], s .. ':waits', 1); redis.call('HINCRBY', KEYS[8], s .. ':waited_ns', ARGV[3])
  end
end
return {1}
";

/// KEYS as for RESERVE. Returns, for `overall` then each vendor: the scope, nine spend figures
/// (day, month, total × spent, maybe, reserved), four event figures, then `1` and five quota
/// figures or `0`.
const SNAPSHOT: &str = r"
local out = {}
local scopes = redis.call('SMEMBERS', KEYS[7]); table.insert(scopes, 1, 'overall')
for _, s in ipairs(scopes) do
  local f = s .. ':'
  table.insert(out, s)
  for _, h in ipairs({KEYS[3], KEYS[4], KEYS[5]}) do
    for _, n in ipairs({'spent', 'maybe', 'reserved'}) do
      table.insert(out, redis.call('HGET', h, f .. n) or '0')
    end
  end
  for _, n in ipairs({'hits', 'saved', 'waits', 'waited_ns'}) do
    table.insert(out, redis.call('HGET', KEYS[8], f .. n) or '0')
  end
  if s ~= 'overall' and redis.call('HEXISTS', KEYS[6], f .. 'calls') == 1 then
    table.insert(out, '1')
    for _, n in ipairs({'calls', 'expires', 'used', 'maybe', 'in_flight'}) do
      table.insert(out, redis.call('HGET', KEYS[6], f .. n) or '0')
    end
  else
    table.insert(out, '0')
  end
end
return out
";

/// Gives back one permit: `KEYS[1]` (as for ACQUIRE) moves back by one interval, never below
/// the server's now (a key at or below now is deleted: the same as now to ACQUIRE).
const REFUND: &str = r"
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat then return {0} end
local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local new_tat = tat - tonumber(ARGV[1])
if new_tat <= now then redis.call('DEL', KEYS[1]); return {1} end
redis.call('SET', KEYS[1], new_tat, 'PX', math.floor((new_tat - now) / 1000) + 1)
return {1}
";

/// One script: its SHA-1 for `EVALSHA`, and its source for `SCRIPT LOAD` when Redis no longer
/// knows it (a restart empties its script cache).
struct Lua {
    script: Script,
    source: &'static str,
}

impl Lua {
    fn new(source: &'static str) -> Lua {
        Lua {
            script: Script::new(source),
            source,
        }
    }
}

/// The scripts, hashed once.
struct Scripts {
    acquire: Lua,
    refund: Lua,
    abandon: Lua,
    reserve: Lua,
    settle: Lua,
    record: Lua,
    snapshot: Lua,
}

impl Scripts {
    fn new() -> Scripts {
        Scripts {
            acquire: Lua::new(ACQUIRE),
            refund: Lua::new(REFUND),
            abandon: Lua::new(ABANDON),
            reserve: Lua::new(RESERVE),
            settle: Lua::new(SETTLE),
            record: Lua::new(RECORD),
            snapshot: Lua::new(SNAPSHOT),
        }
    }
}

/// One call, ready to be sent alone or in a pipeline with others: a script, or a plain
/// command where one does the step atomically.
struct Call<'s> {
    lua: Option<&'s Lua>,
    keys: Vec<String>,
    args: Vec<String>,
}

impl<'s> Call<'s> {
    /// A call of `lua` with `keys` and `args`.
    fn script(lua: &'s Lua, keys: Vec<String>, args: Vec<String>) -> Call<'s> {
        Call {
            lua: Some(lua),
            keys,
            args,
        }
    }

    /// The plain command `args[0]` with `args[1..]` (its key among them).
    fn command(key: String, args: Vec<String>) -> Call<'s> {
        Call {
            lua: None,
            keys: vec![key],
            args,
        }
    }

    fn cmd(&self) -> Cmd {
        match self.lua {
            Some(lua) => {
                let mut cmd = redis::cmd("EVALSHA");
                cmd.arg(lua.script.get_hash())
                    .arg(self.keys.len())
                    .arg(&self.keys)
                    .arg(&self.args);
                cmd
            }
            None => {
                let mut cmd = redis::cmd(&self.args[0]);
                cmd.arg(&self.keys).arg(&self.args[1..]);
                cmd
            }
        }
    }
}

/// The [`Store`] of a fleet: every instance that connects to the same Redis (and namespace)
/// shares one rate limit per key, one owner per claimed check and one budget and quota ledger.
/// Each method is one Lua script (`EVALSHA`; after a restart emptied Redis's script cache, one
/// more request loads the scripts and runs it again) whose keys share one Redis Cluster hash
/// slot, so that it is atomic and runs on a cluster too:
///
/// | part | keys | value |
/// | --- | --- | --- |
/// | rate limit | `shiming:rl:{<fingerprint>:<vendor>}` | GCRA's theoretical arrival time (µs, server `TIME`), expiring when idle |
/// | cache | `shiming:c:{v<n>:<hmac>}` | `claim:<token>` (`PX` lease) or the verdict's JSON (`PX` ttl) |
/// | ledger | `shiming:ledger:{<namespace>}:…` | `seq`, `open`, `day:<date>`, `month:<yyyy-mm>`, `total`, `quota`, `vendors`, `events` |
///
/// The connection is `redis`'s `ConnectionManager`: one multiplexed connection that
/// reconnects by itself. A call never hangs: it fails with [`StoreError::Unavailable`] after
/// [`RedisStore::RESPONSE_TIMEOUT`] at most while Redis is down, and the same store works again
/// once Redis is back. Nothing it stores holds a name, an ID number, a mobile or a credential.
///
/// [`Store::begin`] and [`Store::end`] send their parts' scripts as one pipeline: one round
/// trip each, so that an uncached call (claim, acquire and reserve; then settle and fill)
/// costs two. [`RedisStore::round_trips`] counts them. The scripts of one pipeline are each
/// atomic, not atomic together (they may be on different slots of a cluster).
///
/// ```no_run
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use shiming_core::Vendor;
/// use shiming_store::{keys::LimitKey, limit::Rate, RedisStore, Store};
/// let store = RedisStore::connect("redis://127.0.0.1:6379/").await?.with_namespace("batch-2026")?;
/// let decision = store.acquire(&LimitKey::new("my-appcode", Vendor::Tel3), Rate::new(50.0, 10)?).await?;
/// # Ok::<(), shiming_store::StoreError>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    namespace: String,
    scripts: Arc<Scripts>,
    /// This store's part of each claim token (the server's time is the other).
    nonce: String,
    claims: Arc<AtomicU64>,
    /// Requests sent to Redis by this store and its clones.
    round_trips: Arc<AtomicU64>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// The ledger's namespace unless [`RedisStore::with_namespace`] says otherwise.
    ///
    /// ```
    /// assert_eq!(shiming_store::RedisStore::DEFAULT_NAMESPACE, "default");
    /// ```
    pub const DEFAULT_NAMESPACE: &'static str = "default";

    /// How long a call waits for Redis's answer before it fails as unavailable.
    ///
    /// ```
    /// assert_eq!(shiming_store::RedisStore::RESPONSE_TIMEOUT.as_secs(), 1);
    /// ```
    pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);

    /// How long connecting (or reconnecting) may take.
    ///
    /// ```
    /// assert_eq!(shiming_store::RedisStore::CONNECTION_TIMEOUT.as_secs(), 1);
    /// ```
    pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(1);

    /// Connects to the Redis at `url` (`redis://[:password@]host:port/[db]`), in the
    /// [`RedisStore::DEFAULT_NAMESPACE`].
    ///
    /// ```no_run
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = shiming_store::RedisStore::connect("redis://127.0.0.1:6379/").await?;
    /// assert_eq!(store.namespace(), "default");
    /// # Ok::<(), shiming_store::StoreError>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    /// [`StoreError::Config`] when `url` is not a Redis URL, [`StoreError::Unavailable`] when
    /// Redis cannot be reached.
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        // The URL may hold a password: it is never repeated in an error.
        let client = redis::Client::open(url)
            .map_err(|e| StoreError::Config(format!("not a Redis URL ({:?})", e.kind())))?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(Self::RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(Self::CONNECTION_TIMEOUT))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(failure)?;
        let mut nonce = RandomState::new().build_hasher();
        nonce.write_u32(std::process::id());
        Ok(RedisStore {
            connection,
            namespace: Self::DEFAULT_NAMESPACE.to_string(),
            scripts: Arc::new(Scripts::new()),
            nonce: format!("{:016x}", nonce.finish()),
            claims: Arc::new(AtomicU64::new(0)),
            round_trips: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The same store keeping its ledger under `namespace` (letters, digits, `-`, `_`, `.`;
    /// 1 to 64 of them): stores in different namespaces share the rate limits and the cache
    /// but not the budget.
    ///
    /// ```no_run
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = shiming_store::RedisStore::connect("redis://127.0.0.1:6379/").await?;
    /// assert!(store.clone().with_namespace("nightly-batch").is_ok());
    /// assert!(store.with_namespace("a}b").is_err());
    /// # Ok::<(), shiming_store::StoreError>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    /// [`StoreError::Config`] for any other namespace.
    pub fn with_namespace(mut self, namespace: &str) -> Result<RedisStore, StoreError> {
        let valid = (1..=64).contains(&namespace.len())
            && namespace
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !valid {
            return Err(StoreError::Config(
                "a namespace is 1 to 64 letters, digits, '-', '_' or '.'".into(),
            ));
        }
        self.namespace = namespace.to_string();
        Ok(self)
    }

    /// The ledger's namespace.
    ///
    /// ```no_run
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = shiming_store::RedisStore::connect("redis://127.0.0.1:6379/").await?;
    /// assert_eq!(store.namespace(), shiming_store::RedisStore::DEFAULT_NAMESPACE);
    /// # Ok::<(), shiming_store::StoreError>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The ledger's keys for `day` (none: a script that touches no dated key), in the order
    /// the ledger scripts take them.
    fn ledger_keys(&self, day: Option<Date>) -> [String; 8] {
        let base = format!("shiming:ledger:{{{}}}", self.namespace);
        let (day, month) = day.map_or_else(
            || ("-".to_string(), "-".to_string()),
            |day| {
                let month = month_of(day);
                (
                    day.to_string(),
                    format!("{:04}-{:02}", month.year(), month.month()),
                )
            },
        );
        [
            format!("{base}:seq"),
            format!("{base}:open"),
            format!("{base}:day:{day}"),
            format!("{base}:month:{month}"),
            format!("{base}:total"),
            format!("{base}:quota"),
            format!("{base}:vendors"),
            format!("{base}:events"),
        ]
    }

    /// How many requests this store and its clones have sent to Redis: a single command or a
    /// whole pipeline counts one, whatever it holds. It is the figure behind the rule that an
    /// uncached call costs at most two round trips ([`Store::begin`], then [`Store::end`]);
    /// each of the other methods costs one. After a restart of Redis, the first request that
    /// finds its scripts unknown costs one more (loading them and running them again).
    ///
    /// ```no_run
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use shiming_core::Vendor;
    /// use shiming_store::{keys::LimitKey, limit::Rate, RedisStore, Store};
    /// let store = RedisStore::connect("redis://127.0.0.1:6379/").await?;
    /// let before = store.round_trips();
    /// store.acquire(&LimitKey::new("my-appcode", Vendor::Tel3), Rate::new(50.0, 10)?).await?;
    /// assert_eq!(store.round_trips() - before, 1);
    /// # Ok::<(), shiming_store::StoreError>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }

    /// Sends one request (a pipeline of one or more commands) and counts it: the one place
    /// this store talks to Redis. Each command's reply comes back on its own, a server error
    /// included (`Value::ServerError`).
    async fn send(&self, pipe: &Pipeline) -> Result<Vec<Value>, StoreError> {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        let mut connection = self.connection.clone();
        let replies: Vec<Value> = pipe.query_async(&mut connection).await.map_err(failure)?;
        if replies.len() == pipe.len() {
            Ok(replies)
        } else {
            Err(protocol("a pipeline's replies, but not one per command"))
        }
    }

    /// Runs `calls` in one request, each reply on its own. Calls whose script Redis does not
    /// know (`NOSCRIPT`: it restarted) are run once more in a second request that loads their
    /// scripts first; the others are not run twice.
    async fn exchange(&self, calls: &[Call<'_>]) -> Vec<Result<Vec<Value>, StoreError>> {
        if calls.is_empty() {
            return Vec::new();
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for call in calls {
            pipe.add_command(call.cmd());
        }
        let mut replies: Vec<Result<Value, StoreError>> = match self.send(&pipe).await {
            Ok(values) => values.into_iter().map(Ok).collect(),
            Err(e) => return vec![Err(e); calls.len()],
        };
        let unknown: Vec<usize> = replies
            .iter()
            .enumerate()
            .filter(|(_, reply)| {
                matches!(reply, Ok(Value::ServerError(e)) if e.kind() == Some(ServerErrorKind::NoScript))
            })
            .map(|(i, _)| i)
            .collect();
        if !unknown.is_empty() {
            let mut retry = redis::pipe();
            retry.ignore_errors();
            let mut sources: Vec<&'static str> = Vec::new();
            for &i in &unknown {
                if let Some(lua) = calls[i].lua {
                    if !sources.contains(&lua.source) {
                        sources.push(lua.source);
                    }
                }
            }
            for source in &sources {
                retry.cmd("SCRIPT").arg("LOAD").arg(*source);
            }
            for &i in &unknown {
                retry.add_command(calls[i].cmd());
            }
            match self.send(&retry).await {
                Ok(values) => {
                    for (&i, value) in unknown.iter().zip(values.into_iter().skip(sources.len())) {
                        replies[i] = Ok(value);
                    }
                }
                Err(e) => {
                    for &i in &unknown {
                        replies[i] = Err(e.clone());
                    }
                }
            }
        }
        replies
            .into_iter()
            .zip(calls)
            .map(|(reply, call)| match reply? {
                Value::ServerError(e) => Err(failure(e.into())),
                Value::Array(values) if call.lua.is_some() => Ok(values),
                other if call.lua.is_some() => {
                    Err(protocol(&format!("not an array: {}", shape(&other))))
                }
                // A plain command's one reply.
                other => Ok(vec![other]),
            })
            .collect()
    }

    /// Runs one call alone.
    async fn run(&self, call: Call<'_>) -> Result<Vec<Value>, StoreError> {
        self.exchange(std::slice::from_ref(&call))
            .await
            .pop()
            .unwrap_or_else(|| Err(protocol("no reply")))
    }
}

/// A Redis failure, without the arguments of the call.
fn failure(e: RedisError) -> StoreError {
    use redis::ErrorKind;
    match e.kind() {
        ErrorKind::Parse | ErrorKind::UnexpectedReturnType => StoreError::Protocol(e.to_string()),
        _ => StoreError::Unavailable(format!("redis: {e}")),
    }
}

fn protocol(what: &str) -> StoreError {
    StoreError::Protocol(format!("redis answered {what}"))
}

/// What kind of value it was, never its content.
fn shape(value: &Value) -> &'static str {
    match value {
        Value::Nil => "nil",
        Value::Int(_) => "an integer",
        Value::BulkString(_) | Value::SimpleString(_) => "a string",
        Value::Array(_) => "an array",
        _ => "another type",
    }
}

fn int(value: Option<&Value>) -> Result<i64, StoreError> {
    match value {
        Some(Value::Int(n)) => Ok(*n),
        Some(Value::BulkString(b)) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| protocol("a string that is not an integer")),
        Some(other) => Err(protocol(&format!("{} for an integer", shape(other)))),
        None => Err(protocol("too short a reply")),
    }
}

fn uint(value: Option<&Value>) -> Result<u64, StoreError> {
    u64::try_from(int(value)?).map_err(|_| protocol("a negative figure"))
}

fn text(value: Option<&Value>) -> Result<String, StoreError> {
    match value {
        Some(Value::BulkString(b)) => {
            String::from_utf8(b.clone()).map_err(|_| protocol("a string that is not UTF-8"))
        }
        Some(Value::SimpleString(s)) => Ok(s.clone()),
        Some(other) => Err(protocol(&format!("{} for a string", shape(other)))),
        None => Err(protocol("too short a reply")),
    }
}

/// Whole milliseconds, rounded up so that nothing lapses early; at least 1 (`PX 0` is an error).
fn millis_ceil(d: Duration) -> u128 {
    d.as_nanos().div_ceil(1_000_000).max(1)
}

fn cap(budget: &crate::ledger::Budget, period: Period) -> String {
    budget
        .cap(period)
        .map_or_else(String::new, |p| p.li().to_string())
}

fn period_of(n: i64) -> Result<Period, StoreError> {
    match n {
        1 => Ok(Period::Day),
        2 => Ok(Period::Month),
        3 => Ok(Period::Total),
        _ => Err(protocol("an unknown period")),
    }
}

/// Each script's call and the one parser of its reply, used alike by the single-step methods
/// and by `begin` and `end`.
impl RedisStore {
    fn acquire_call(&self, key: &LimitKey, rate: Rate, within: Duration) -> Call<'_> {
        let interval = rate.period().as_secs_f64() * 1e6;
        let tolerance = interval * f64::from(rate.burst() - 1);
        Call::script(
            &self.scripts.acquire,
            vec![key.redis_key()],
            vec![
                format!("{interval:.3}"),
                format!("{tolerance:.3}"),
                within.as_micros().to_string(),
            ],
        )
    }

    fn refund_call(&self, key: &LimitKey, rate: Rate) -> Call<'_> {
        let interval = rate.period().as_secs_f64() * 1e6;
        Call::script(
            &self.scripts.refund,
            vec![key.redis_key()],
            vec![format!("{interval:.3}")],
        )
    }

    /// `SET key claim:<token> NX PX <lease> GET`: the old value (a verdict, or another's
    /// claim), or nothing and the claim is the caller's. Returns the token with the call.
    fn claim_call(&self, key: &CacheKey, lease: Duration) -> (Call<'_>, ClaimToken) {
        let n = self.claims.fetch_add(1, Ordering::Relaxed);
        let token = format!("{}-{n:x}", self.nonce);
        let call = Call::command(
            key.redis_key(),
            vec![
                "SET".into(),
                format!("claim:{token}"),
                "NX".into(),
                "PX".into(),
                millis_ceil(lease).to_string(),
                "GET".into(),
            ],
        );
        (call, ClaimToken::new(token))
    }

    fn fill_call(
        &self,
        key: &CacheKey,
        verdict: &CachedVerdict,
        ttl: Duration,
    ) -> Result<Call<'_>, StoreError> {
        let json = serde_json::to_string(verdict)
            .map_err(|e| StoreError::Protocol(format!("a verdict as JSON: {e}")))?;
        // A TTL of zero caches nothing: the claim goes.
        Ok(if ttl.is_zero() {
            Call::command(key.redis_key(), vec!["DEL".into()])
        } else {
            Call::command(
                key.redis_key(),
                vec![
                    "SET".into(),
                    json,
                    "PX".into(),
                    millis_ceil(ttl).to_string(),
                ],
            )
        })
    }

    fn record_call(&self, event: Event) -> Call<'_> {
        let (vendor, kind, amount) = match event {
            Event::CacheHit { vendor, saved } => (vendor, "hit", saved.li()),
            Event::LimiterWait { vendor, waited } => (
                vendor,
                "wait",
                u64::try_from(waited.as_nanos())
                    .unwrap_or(u64::MAX)
                    .min(i64::MAX as u64),
            ),
        };
        let keys = self.ledger_keys(None);
        let args = [
            vendor.id().to_string(),
            kind.to_string(),
            amount.to_string(),
        ];
        Call::script(&self.scripts.record, keys.into(), args.into())
    }

    fn abandon_call(&self, key: &CacheKey, token: &ClaimToken) -> Call<'_> {
        Call::script(
            &self.scripts.abandon,
            vec![key.redis_key()],
            vec![token.as_str().to_string()],
        )
    }

    fn reserve_call(&self, request: &ReserveRequest) -> Call<'_> {
        let (has_quota, calls, expires, expired) = match request.quota {
            Some(plan) => (
                "1",
                plan.package_calls.to_string(),
                days_since_epoch(plan.package_expires).to_string(),
                if request.today > plan.package_expires {
                    "1"
                } else {
                    "0"
                },
            ),
            None => ("0", String::new(), String::new(), "0"),
        };
        let mut args = vec![
            request.vendor.id().to_string(),
            request.worst_case.li().to_string(),
            has_quota.to_string(),
            calls,
            expires,
            expired.to_string(),
        ];
        for budget in [&request.vendor_budget, &request.budget] {
            for period in [Period::Day, Period::Month, Period::Total] {
                args.push(cap(budget, period));
            }
        }
        args.push(request.today.to_string());
        Call {
            lua: Some(&self.scripts.reserve),
            keys: self.ledger_keys(Some(request.today)).into(),
            args,
        }
    }

    fn settle_call(&self, reservation: &Reservation, settlement: Settlement) -> Call<'_> {
        let (kind, price) = match settlement {
            Settlement::Billed(price) => ("billed", price.li()),
            Settlement::MayHaveBeenCharged => ("maybe", 0),
            // Settlement is non-exhaustive only for other crates.
            Settlement::NotBilled => ("not", 0),
        };
        let record = format!(
            "{}|{}|{}",
            reservation.vendor().id(),
            reservation.amount().li(),
            reservation.day()
        );
        Call::script(
            &self.scripts.settle,
            self.ledger_keys(Some(reservation.day())).into(),
            vec![
                reservation.id().to_string(),
                record,
                kind.to_string(),
                price.to_string(),
                days_since_epoch(reservation.day()).to_string(),
            ],
        )
    }
}

fn parse_acquire(reply: &[Value]) -> Result<RateDecision, StoreError> {
    match int(reply.first())? {
        1 => Ok(RateDecision::Allowed),
        0 => {
            let micros = uint(reply.get(1))?;
            Ok(RateDecision::Wait(Duration::from_micros(micros.max(1))))
        }
        2 => {
            let micros = uint(reply.get(1))?;
            Ok(RateDecision::Booked(Duration::from_micros(micros.max(1))))
        }
        _ => Err(protocol("an unknown rate decision")),
    }
}

/// The old value `SET … NX GET` answered: none (the claim is `token`'s), another's claim,
/// or a verdict.
fn parse_claim(token: ClaimToken, reply: &[Value]) -> Result<Claim, StoreError> {
    match reply.first() {
        Some(Value::Nil) => Ok(Claim::Owner(token)),
        value => {
            let old = text(value)?;
            if old.starts_with("claim:") {
                Ok(Claim::InFlight)
            } else {
                serde_json::from_str(&old)
                    .map(Claim::Cached)
                    .map_err(|_| protocol("a cached verdict that does not parse"))
            }
        }
    }
}

/// A plain command's answer: anything but an error is done.
fn parse_ok(_reply: &[Value]) -> Result<(), StoreError> {
    Ok(())
}

/// ABANDON and REFUND answer `{n}`: done (or nothing to do).
fn parse_done(reply: &[Value]) -> Result<(), StoreError> {
    int(reply.first()).map(|_| ())
}

fn parse_reserve(request: &ReserveRequest, reply: &[Value]) -> Result<ReserveOutcome, StoreError> {
    let vendor = request.vendor;
    if int(reply.first())? == 1 {
        let id = uint(reply.get(1))?;
        return Ok(ReserveOutcome::Reserved(Reservation::new(
            id,
            vendor,
            request.worst_case,
            request.today,
        )));
    }
    let refusal = match text(reply.get(1))?.as_str() {
        "expired" => Refusal::QuotaExpired {
            vendor,
            expired_on: request
                .quota
                .map_or(request.today, |plan| plan.package_expires),
        },
        "used_up" => Refusal::QuotaUsedUp {
            vendor,
            package_calls: request.quota.map_or(0, |plan| plan.package_calls),
            used: uint(reply.get(2))?,
            in_flight: uint(reply.get(3))?,
        },
        "budget" => {
            let (scope, budget) = match text(reply.get(2))?.as_str() {
                "vendor" => (Scope::Vendor(vendor), &request.vendor_budget),
                _ => (Scope::Overall, &request.budget),
            };
            let period = period_of(int(reply.get(3))?)?;
            Refusal::Budget {
                scope,
                period,
                cap: budget.cap(period).unwrap_or_default(),
                committed: Price::from_li(uint(reply.get(4))?),
                worst_case: request.worst_case,
            }
        }
        _ => return Err(protocol("an unknown refusal")),
    };
    Ok(ReserveOutcome::Refused(refusal))
}

fn parse_settle(reservation: &Reservation, reply: &[Value]) -> Result<SettleOutcome, StoreError> {
    if int(reply.first())? == -1 {
        return Err(StoreError::UnknownReservation(reservation.id()));
    }
    let mut outcome = SettleOutcome::default();
    if reply.len() <= 1 {
        return Ok(outcome);
    }
    let vendor = reservation.vendor();
    let left = uint(reply.get(1))?;
    let package_calls = uint(reply.get(2))?;
    let expires = Date::from_days_since_unix_epoch(int(reply.get(3))?)
        .ok_or_else(|| protocol("an expiry out of range"))?;
    let days_left = u32::try_from(int(reply.get(4))?).unwrap_or(0);
    for i in 5..reply.len() {
        outcome.warnings.push(match text(reply.get(i))?.as_str() {
            "quota_low" => QuotaWarning::Low {
                vendor,
                left,
                package_calls,
            },
            "quota_very_low" => QuotaWarning::VeryLow {
                vendor,
                left,
                package_calls,
            },
            "quota_used_up" => QuotaWarning::UsedUp {
                vendor,
                package_calls,
            },
            "quota_expiring" => QuotaWarning::Expiring {
                vendor,
                expires,
                days_left,
            },
            _ => return Err(protocol("an unknown warning")),
        });
    }
    Ok(outcome)
}

#[async_trait]
impl Store for RedisStore {
    async fn acquire(&self, key: &LimitKey, rate: Rate) -> Result<RateDecision, StoreError> {
        parse_acquire(
            &self
                .run(self.acquire_call(key, rate, Duration::ZERO))
                .await?,
        )
    }

    async fn acquire_within(
        &self,
        key: &LimitKey,
        rate: Rate,
        within: Duration,
    ) -> Result<RateDecision, StoreError> {
        parse_acquire(&self.run(self.acquire_call(key, rate, within)).await?)
    }

    async fn refund(&self, key: &LimitKey, rate: Rate) -> Result<(), StoreError> {
        parse_done(&self.run(self.refund_call(key, rate)).await?)
    }

    async fn claim(&self, key: &CacheKey, lease: Duration) -> Result<Claim, StoreError> {
        let (call, token) = self.claim_call(key, lease);
        parse_claim(token, &self.run(call).await?)
    }

    async fn fill(
        &self,
        key: &CacheKey,
        verdict: &CachedVerdict,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        parse_ok(&self.run(self.fill_call(key, verdict, ttl)?).await?)
    }

    async fn abandon(&self, key: &CacheKey, token: &ClaimToken) -> Result<(), StoreError> {
        parse_done(&self.run(self.abandon_call(key, token)).await?)
    }

    async fn reserve(&self, request: &ReserveRequest) -> Result<ReserveOutcome, StoreError> {
        parse_reserve(request, &self.run(self.reserve_call(request)).await?)
    }

    async fn settle(
        &self,
        reservation: &Reservation,
        settlement: Settlement,
    ) -> Result<SettleOutcome, StoreError> {
        parse_settle(
            reservation,
            &self.run(self.settle_call(reservation, settlement)).await?,
        )
    }

    /// One round trip: the asked parts' scripts in one pipeline.
    async fn begin(&self, steps: &BeginSteps<'_>) -> BeginOutcome {
        let mut calls = Vec::with_capacity(3);
        let mut token = None;
        if let Some((key, lease)) = steps.claim {
            let (call, claim_token) = self.claim_call(key, lease);
            calls.push(call);
            token = Some(claim_token);
        }
        if let Some((key, rate)) = steps.acquire {
            calls.push(self.acquire_call(key, rate, Duration::ZERO));
        }
        if let Some(request) = steps.reserve {
            calls.push(self.reserve_call(request));
        }
        let mut replies = self.exchange(&calls).await.into_iter();
        let mut next = || replies.next().unwrap_or_else(|| Err(protocol("no reply")));
        let mut outcome = BeginOutcome::default();
        if let Some(token) = token {
            outcome.claim = Some(next().and_then(|reply| parse_claim(token, &reply)));
        }
        if steps.acquire.is_some() {
            outcome.acquire = Some(next().and_then(|reply| parse_acquire(&reply)));
        }
        if let Some(request) = steps.reserve {
            outcome.reserve = Some(next().and_then(|reply| parse_reserve(request, &reply)));
        }
        outcome
    }

    /// One round trip: the asked parts' scripts in one pipeline.
    async fn end(&self, steps: &EndSteps<'_>) -> EndOutcome {
        let mut outcome = EndOutcome::default();
        let mut calls = Vec::with_capacity(3);
        if let Some((reservation, settlement)) = steps.settle {
            calls.push(self.settle_call(reservation, settlement));
        }
        // A verdict that cannot be written as JSON fails its part alone, before anything is
        // sent.
        let fill = steps
            .fill
            .map(|(key, verdict, ttl)| self.fill_call(key, verdict, ttl));
        let fill_sent = match fill {
            Some(Ok(call)) => {
                calls.push(call);
                true
            }
            Some(Err(e)) => {
                outcome.fill = Some(Err(e));
                false
            }
            None => false,
        };
        if let Some((key, token)) = steps.abandon {
            calls.push(self.abandon_call(key, token));
        }
        if let Some((key, rate)) = steps.refund {
            calls.push(self.refund_call(key, rate));
        }
        if let Some(event) = steps.record {
            calls.push(self.record_call(event));
        }
        let mut replies = self.exchange(&calls).await.into_iter();
        let mut next = || replies.next().unwrap_or_else(|| Err(protocol("no reply")));
        if let Some((reservation, _)) = steps.settle {
            outcome.settle = Some(next().and_then(|reply| parse_settle(reservation, &reply)));
        }
        if fill_sent {
            outcome.fill = Some(next().and_then(|reply| parse_ok(&reply)));
        }
        if steps.abandon.is_some() {
            outcome.abandon = Some(next().and_then(|reply| parse_done(&reply)));
        }
        if steps.refund.is_some() {
            outcome.refund = Some(next().and_then(|reply| parse_done(&reply)));
        }
        if steps.record.is_some() {
            outcome.record = Some(next().and_then(|reply| parse_done(&reply)));
        }
        outcome
    }

    async fn record(&self, event: Event) -> Result<(), StoreError> {
        self.run(self.record_call(event)).await?;
        Ok(())
    }

    async fn snapshot(&self, today: Date) -> Result<LedgerSnapshot, StoreError> {
        let reply = self
            .run(Call::script(
                &self.scripts.snapshot,
                self.ledger_keys(Some(today)).into(),
                Vec::new(),
            ))
            .await?;
        let mut overall = None;
        let mut vendors = Vec::new();
        let mut i = 0;
        while i < reply.len() {
            let scope = text(reply.get(i))?;
            let mut figures = [0u64; 13];
            for (j, figure) in figures.iter_mut().enumerate() {
                *figure = uint(reply.get(i + 1 + j))?;
            }
            i += 14;
            let quota = if int(reply.get(i))? == 1 {
                let mut q = [0i64; 5];
                for (j, figure) in q.iter_mut().enumerate() {
                    *figure = int(reply.get(i + 1 + j))?;
                }
                i += 6;
                let [calls, expires, used, maybe, in_flight] = q;
                let calls = u64::try_from(calls).map_err(|_| protocol("negative calls"))?;
                let used = u64::try_from(used).map_err(|_| protocol("negative calls"))?;
                Some(QuotaStatus {
                    package_calls: calls,
                    used,
                    may_have_been_charged: u64::try_from(maybe).unwrap_or(0),
                    in_flight: u64::try_from(in_flight).unwrap_or(0),
                    left: calls.saturating_sub(used),
                    expires: Date::from_days_since_unix_epoch(expires)
                        .ok_or_else(|| protocol("an expiry out of range"))?,
                })
            } else {
                i += 1;
                None
            };
            let spend = |k: usize| Spend {
                spent: Price::from_li(figures[k]),
                may_have_been_charged: Price::from_li(figures[k + 1]),
                reserved: Price::from_li(figures[k + 2]),
            };
            let tally = Tally {
                today: spend(0),
                this_month: spend(3),
                total: spend(6),
                cache_hits: figures[9],
                saved: Price::from_li(figures[10]),
                limiter_waits: figures[11],
                waited: Duration::from_nanos(figures[12]),
            };
            if scope == "overall" {
                overall = Some(tally);
            } else if let Some(vendor) = Vendor::from_id(&scope) {
                // A vendor this version does not know (a newer instance's) is left out.
                vendors.push(VendorTally {
                    vendor,
                    tally,
                    quota,
                });
            }
        }
        vendors.sort_by_key(|v| v.vendor);
        Ok(LedgerSnapshot {
            today,
            overall: overall.unwrap_or_default(),
            vendors,
        })
    }
}

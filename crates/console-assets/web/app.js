// `shiming console`: Try a check (local validation as you type, then the router) and the
// ledger.
"use strict";

Object.assign(DICT, {
  "app.title": ["实名核验控制台", "Real-name check console"],
  "tab.try": ["试一试", "Try a check"],
  "tab.ledger": ["用量", "Usage"],
  "form.product": ["产品", "Product"],
  "form.auto": ["自动（按配置顺序，失败时切换）", "auto (configured order, with failover)"],
  "form.name": ["真实姓名", "Name"],
  "form.id": ["身份证号码", "ID number"],
  "form.mobile": ["手机号码（可选：不填则二要素核验）", "Mobile (optional: without it, a two-element check)"],
  "form.submit": ["提交", "Check"],
  "form.reset": ["重置", "Reset"],
  "form.hint": ["本地校验不通过的输入不会发送给付费接口。提交后页面只显示脱敏信息，控制台不保存任何输入。",
    "Input refused locally is never sent to a paid API. Once submitted, the page shows masked values only; the console keeps nothing you type."],
  "examples.title": ["模拟市场中的示例人员（合成数据）", "The mock market's people (synthetic)"],
  "mode.mock": ["模拟市场（不计费）", "mock market (nothing is charged)"],
  "mode.market": ["云市场（按次计费）", "the marketplace (charged per call)"],
  "valid": ["有效", "valid"],
  "invalid": ["无效", "invalid"],
  "result.verdict": ["结果", "Verdict"],
  "result.vendor": ["接口", "Vendor"],
  "result.billed": ["计费", "Billed"],
  "result.cost": ["费用（元）", "Cost (CNY)"],
  "result.request": ["请求 ID", "Request id"],
  "result.cached": ["来自缓存（未发送）", "from the cache (nothing sent)"],
  "result.person": ["核验对象（脱敏）", "Checked (masked)"],
  "result.error": ["错误", "Error"],
  "result.copy": ["复制", "Copy"],
  "result.notSent": ["未发送：本地校验不通过", "Not sent: refused locally"],
  "verdict.match": ["一致", "match"],
  "verdict.mismatch": ["不一致", "mismatch"],
  "verdict.no_record": ["无记录", "no record"],
  "ledger.none": ["未配置存储：没有账本", "No store configured: no ledger"],
  "tab.batch": ["批量", "Batch"],
  "batch.file": ["文件（CSV 或 Excel，表头 name,id_card[,mobile]）", "File (CSV or Excel, header name,id_card[,mobile])"],
  "batch.upload": ["上传并预估费用", "Upload and estimate the cost"],
  "batch.start": ["开始", "Start"],
  "batch.resume": ["继续", "Resume"],
  "batch.stop": ["停止", "Stop"],
  "batch.download": ["下载结果", "Download the results"],
  "batch.hint": ["与 shiming batch 相同的引擎和文件：崩溃不丢已完成的行，不重复计费；停止后可继续（断点续跑）。",
    "The same engine and files as shiming batch: a crash loses no finished row and bills no row twice; a stopped batch resumes."],
  "batch.state": ["状态", "State"],
  "batch.dryRun": ["预估（未发送任何请求）", "Dry run (nothing was sent)"],
  "batch.three": ["三要素行", "three-element rows"],
  "batch.two": ["二要素行", "two-element rows"],
  "batch.noVendor": ["（未配置可用接口，将失败）", "(no configured vendor: they would fail)"],
  "batch.invalid": ["本地校验不通过、不会发送的行", "rows refused locally, not to be sent"],
  "batch.line": ["第", "line"],
  "batch.done": ["已完成（断点续跑）", "already done (resume)"],
  "batch.estimate": ["预估费用（元）", "estimated cost (CNY)"],
  "batch.atMost": ["如切换接口，最多", "at most, with failover"],
  "batch.rows": ["已完成 / 总行数", "Rows done / total"],
  "batch.outcomes": ["结果", "Outcomes"],
  "batch.billed": ["计费行数", "Billed rows"],
  "batch.cost": ["费用（元）", "Cost (CNY)"],
  "batch.rate": ["速度（行/秒）", "Rate (rows/s)"],
  "batch.left": ["预计剩余（秒）", "Time left (s)"],
  "ledger.period": ["期间", "Period"],
  "ledger.spent": ["已花费（元）", "Spent (CNY)"],
  "ledger.maybe": ["可能已计费（元）", "May have been charged (CNY)"],
  "ledger.reserved": ["预留（元）", "Reserved (CNY)"],
  "ledger.today": ["今天", "today"],
  "ledger.month": ["本月", "this month"],
  "ledger.total": ["累计", "total"],
  "ledger.hits": ["缓存命中", "cache hits"],
  "ledger.saved": ["节省（元）", "saved (CNY)"],
});

const App = {
  timer: null,

  detail(report) {
    if (!report) return "";
    if (!report.valid) return "✗ " + Console.t("invalid") + " — " + (report.message || report.reason || "");
    const parts = ["✓ " + Console.t("valid")];
    for (const key of ["normalized", "kind", "birth_date", "sex", "age", "carrier", "script"]) {
      if (report[key] != null && report[key] !== "") parts.push(report[key]);
    }
    if (report.region) parts.push([report.region.province, report.region.prefecture, report.region.county].filter(Boolean).join(" "));
    if (report.virtual) parts.push("virtual");
    for (const warning of report.warnings || []) parts.push("⚠ " + (warning.message || warning.code || warning));
    return parts.join(" · ");
  },

  form() {
    return {
      vendor: document.getElementById("vendor").value,
      name: document.getElementById("name").value,
      id_card: document.getElementById("id_card").value,
      mobile: document.getElementById("mobile").value,
    };
  },

  async validate() {
    const reports = await Console.api("/api/validate", { body: this.form() });
    for (const key of ["name", "id_card", "mobile"]) {
      const box = document.getElementById("v-" + key);
      box.textContent = this.detail(reports[key]);
      box.className = "checked " + (reports[key] ? (reports[key].valid ? "status-ok" : "status-bad") : "");
    }
  },

  // The result as shown (the person masked), for a ticket or a chat: JSON on the clipboard.
  copyButton(answer) {
    return Console.el("button", {
      type: "button",
      id: "copy",
      onclick: async (event) => {
        const text = JSON.stringify(answer, null, 2);
        event.target.dataset.copied = text;
        try { await navigator.clipboard.writeText(text); } catch (e) { /* not allowed here: kept on the button */ }
        event.target.textContent = Console.t("journal.copied");
      },
    }, Console.t("result.copy"));
  },

  show(answer) {
    const result = document.getElementById("result");
    const row = (label, value) => Console.el("tr", {}, Console.el("th", {}, Console.t(label)), Console.el("td", {}, value == null ? "—" : value));
    const who = answer.identity || {};
    const person = [who.name, who.id_card, who.mobile].filter(Boolean).join(" · ");
    if (answer.error) {
      const refused = answer.error.kind === "invalid_input";
      result.replaceChildren(Console.el("table", { class: "result bad", "data-kind": answer.error.kind },
        row("result.error", refused ? Console.t("result.notSent") : answer.error.kind),
        row("result.error", answer.error.message),
        row("result.person", person)), this.copyButton(answer), Console.devPanel(answer.exchanges || [], false));
      return;
    }
    const verdict = Console.t("verdict." + answer.verdict);
    result.replaceChildren(Console.el("table", { class: "result", "data-verdict": answer.verdict },
      row("result.verdict", verdict),
      row("result.vendor", answer.vendor + (answer.cached ? " — " + Console.t("result.cached") : "")),
      row("result.billed", answer.billed ? Console.t("billed.yes") : Console.t("billed.no")),
      row("result.cost", answer.cost),
      row("result.request", answer.request_id),
      row("result.person", person)), this.copyButton(answer), Console.devPanel(answer.exchanges || [], false));
  },

  async submit(event) {
    event.preventDefault();
    const answer = await Console.api("/api/check", { body: this.form(), acceptErrors: true }).catch((e) => ({ error: { kind: "request", message: e.message } }));
    this.show(answer);
    // What was typed is not kept on the page once submitted: the result shows it masked.
    for (const id of ["name", "id_card", "mobile"]) document.getElementById(id).value = "";
    for (const id of ["v-name", "v-id_card", "v-mobile"]) document.getElementById(id).textContent = "";
  },

  job: null,
  poller: null,

  showJob(job) {
    if (job.error) { document.getElementById("batch-log").textContent = job.error.message; return; }
    this.job = job;
    document.getElementById("batch-job").hidden = false;
    const d = job.dry_run || {};
    const group = (g, label) => g && g.rows ? Console.t(label) + " " + g.rows + (g.first_vendor ? " → " + g.first_vendor + " " + g.price : " " + Console.t("batch.noVendor")) : null;
    document.getElementById("batch-dry-run").textContent = [
      Console.t("batch.dryRun"),
      group(d.three_element, "batch.three"),
      group(d.two_element, "batch.two"),
      Console.t("batch.invalid") + " " + (d.invalid || []).length + (d.invalid || []).slice(0, 20).map((i) => "\n  " + Console.t("batch.line") + " " + i.line + ": " + i.reason).join(""),
      d.already_done ? Console.t("batch.done") + " " + d.already_done : null,
      Console.t("batch.estimate") + " " + d.estimated_cost + " (" + Console.t("batch.atMost") + " " + d.at_most + ")",
    ].filter(Boolean).join("\n");
    const token = Console.token();
    const download = document.getElementById("batch-download");
    download.href = "/api/batch/" + job.id + "/output.csv" + (token ? "?token=" + encodeURIComponent(token) : "");
    download.hidden = !job.rows;
    const start = document.getElementById("batch-start");
    start.dataset.i18n = job.rows ? "batch.resume" : "batch.start";
    start.disabled = job.state === "running" || job.state === "stopping" || job.state === "finished";
    document.getElementById("batch-stop").disabled = job.state !== "running";
    const outcomes = Object.entries(job.outcomes || {}).map(([k, v]) => k + " " + v).join(" · ");
    const row = (label, value) => Console.el("tr", {}, Console.el("th", {}, Console.t(label)), Console.el("td", {}, value == null ? "—" : String(value)));
    document.querySelector("#batch-progress tbody").replaceChildren(
      row("batch.state", job.state),
      row("batch.rows", job.rows + " / " + job.total),
      row("batch.outcomes", outcomes),
      row("batch.billed", job.billed),
      row("batch.cost", job.cost),
      row("batch.rate", job.rate),
      row("batch.left", job.seconds_left));
    document.getElementById("batch-progress").dataset.state = job.state;
    document.getElementById("batch-log").textContent = job.log || "";
    Console.applyI18n(document.getElementById("batch-job"));
    clearTimeout(this.poller);
    if (job.state === "running" || job.state === "stopping") {
      this.poller = setTimeout(async () => this.showJob(await Console.api("/api/batch/" + job.id)), 300);
    }
  },

  batch() {
    document.getElementById("batch-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = document.getElementById("batch-file").files[0];
      if (!file) return;
      const token = Console.token();
      const headers = { "X-Shiming-Console": "1" };
      if (token) headers.Authorization = "Bearer " + token;
      const response = await fetch("/api/batch?name=" + encodeURIComponent(file.name), { method: "POST", headers, body: file });
      this.showJob(await response.json());
    });
    document.getElementById("batch-start").addEventListener("click", async () => {
      this.showJob(await Console.api("/api/batch/" + this.job.id + "/start", { body: {} }));
    });
    document.getElementById("batch-stop").addEventListener("click", async () => {
      this.showJob(await Console.api("/api/batch/" + this.job.id + "/stop", { body: {} }));
    });
  },

  async ledger() {
    const l = await Console.api("/api/usage");
    const box = document.getElementById("ledger");
    if (!l.store) { box.replaceChildren(Console.el("p", {}, Console.t("ledger.none"))); return; }
    const rows = [];
    const scopes = [["overall", l.overall], ...l.vendors.map((v) => [v.vendor, v])];
    for (const [scope, tally] of scopes) {
      for (const [period, key] of [["ledger.today", "today"], ["ledger.month", "this_month"], ["ledger.total", "total"]]) {
        const s = tally[key];
        rows.push(Console.el("tr", {}, Console.el("td", {}, scope), Console.el("td", {}, Console.t(period)),
          Console.el("td", {}, s.spent), Console.el("td", {}, s.may_have_been_charged), Console.el("td", {}, s.reserved)));
      }
    }
    box.replaceChildren(
      Console.el("table", { id: "ledger-table" },
        Console.el("thead", {}, Console.el("tr", {}, Console.el("th", {}, ""), Console.el("th", {}, Console.t("ledger.period")),
          Console.el("th", {}, Console.t("ledger.spent")), Console.el("th", {}, Console.t("ledger.maybe")), Console.el("th", {}, Console.t("ledger.reserved")))),
        Console.el("tbody", {}, ...rows)),
      Console.el("p", { class: "hint" }, Console.t("ledger.hits") + " " + l.overall.cache_hits + " · " + Console.t("ledger.saved") + " " + l.overall.saved));
  },

  async start() {
    const info = await Console.api("/api/info");
    document.getElementById("mode").dataset.i18n = "mode." + info.mode;
    const vendor = document.getElementById("vendor");
    for (const id of info.vendors) vendor.append(Console.el("option", { value: id }, id));
    if (info.examples.length) {
      document.getElementById("examples").hidden = false;
      document.getElementById("example-list").replaceChildren(...info.examples.filter((p) => !p.note.startsWith("gen:")).map((p) => Console.el("li", {},
        Console.el("button", { type: "button", class: "example", onclick: () => {
          document.getElementById("name").value = p.name;
          document.getElementById("id_card").value = p.id_card;
          document.getElementById("mobile").value = p.mobile || "";
          this.validate();
        } }, p.name), " ", p.note)));
    }
    Console.applyI18n();
    const form = document.getElementById("check-form");
    form.addEventListener("input", () => { clearTimeout(this.timer); this.timer = setTimeout(() => this.validate(), 150); });
    form.addEventListener("submit", (event) => this.submit(event));
    this.batch();
    document.addEventListener("tabchange", (event) => { if (event.detail === "usage") this.ledger(); });
    Console.tabs();
  },
};

document.addEventListener("DOMContentLoaded", () => {
  App.start().catch((error) => {
    document.getElementById("result").textContent = String(error.message || error);
    throw error;
  });
});

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
        row("result.person", person)), this.copyButton(answer));
      return;
    }
    const verdict = Console.t("verdict." + answer.verdict);
    result.replaceChildren(Console.el("table", { class: "result", "data-verdict": answer.verdict },
      row("result.verdict", verdict),
      row("result.vendor", answer.vendor + (answer.cached ? " — " + Console.t("result.cached") : "")),
      row("result.billed", answer.billed ? Console.t("billed.yes") : Console.t("billed.no")),
      row("result.cost", answer.cost),
      row("result.request", answer.request_id),
      row("result.person", person)), this.copyButton(answer));
  },

  async submit(event) {
    event.preventDefault();
    const answer = await Console.api("/api/check", { body: this.form(), acceptErrors: true }).catch((e) => ({ error: { kind: "request", message: e.message } }));
    this.show(answer);
    // What was typed is not kept on the page once submitted: the result shows it masked.
    for (const id of ["name", "id_card", "mobile"]) document.getElementById(id).value = "";
    for (const id of ["v-name", "v-id_card", "v-mobile"]) document.getElementById(id).textContent = "";
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
      document.getElementById("example-list").replaceChildren(...info.examples.map((p) => Console.el("li", {},
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

// The console's shared part: the dictionary (Chinese first, English on the switch), calls to
// the server (with the CSRF header and the start-up token), small DOM helpers.
"use strict";

const DICT = {
  "mock.title": ["模拟云市场控制台", "Mock market console"],
  "tab.journal": ["请求日志", "Journal"],
  "tab.usage": ["用量与配额", "Usage & quota"],
  "tab.faults": ["故障与场景", "Faults & scenarios"],
  "lang.switch": ["English", "中文"],
  "filter.product": ["产品", "Product"],
  "filter.status": ["状态", "Status"],
  "filter.billed": ["计费", "Billed"],
  "filter.all": ["全部", "All"],
  "filter.closed": ["未应答", "No answer"],
  "billed.yes": ["已计费", "billed"],
  "billed.no": ["未计费", "not billed"],
  "journal.connecting": ["连接中…", "connecting…"],
  "journal.live": ["实时", "live"],
  "journal.offline": ["已断开，重连中…", "disconnected, reconnecting…"],
  "journal.count": ["条", "entries"],
  "journal.hint": ["姓名、身份证号、手机号和凭证在日志中均已脱敏；复制的 curl 命令以占位符代替它们。",
    "Names, ID numbers, mobiles and credentials are masked in the journal; a copied curl command has placeholders for them."],
  "journal.copy": ["复制 curl", "Copy curl"],
  "journal.copied": ["已复制", "copied"],
  "col.time": ["时间", "Time"],
  "col.product": ["产品", "Product"],
  "col.credential": ["凭证", "Credential"],
  "col.status": ["状态", "Status"],
  "col.billed": ["计费", "Billed"],
  "col.gateway": ["网关", "Gateway"],
  "col.fault": ["故障", "Fault"],
  "col.params": ["参数（已脱敏）", "Parameters (masked)"],
  "col.auth": ["鉴权", "Auth"],
  "col.quotaDecision": ["配额", "Quota"],
  "col.latency": ["耗时", "Latency"],
  "journal.details": ["详情", "Details"],
  "journal.body": ["返回报文", "Vendor body"],
  "journal.sts": ["网关计算的 StringToSign（签名不匹配，参数已脱敏）", "The gateway's StringToSign (signature mismatch, values masked)"],
  "auth.appcode": ["AppCode", "AppCode"],
  "auth.signature": ["签名", "signature"],
  "quota.charged": ["已扣", "charged"],
  "quota.not_charged": ["未扣", "not charged"],
  "quota.exhausted": ["已用尽", "exhausted"],
  "quota.throttled": ["限流", "throttled"],
  "col.received": ["收到", "Received"],
  "col.charged": ["计费", "Charged"],
  "col.quota": ["剩余配额", "Quota left"],
  "col.setQuota": ["设置配额", "Set quota"],
  "col.description": ["说明", "Description"],
  "usage.hint": ["剩余配额低于 20% 时标红（云市场的提醒阈值）。配额留空表示不限。",
    "Quota left is red below 20 % (the marketplace's warning threshold). An empty quota is unlimited."],
  "usage.unlimited": ["不限", "unlimited"],
  "usage.save": ["保存", "Save"],
  "fault.kind": ["故障", "Fault"],
  "fault.count": ["次数", "Count"],
  "fault.queue": ["排入队列", "Queue"],
  "fault.queued": ["已排队", "queued"],
  "scenarios.title": ["文档中的返回报文", "Documented bodies"],
  "scenarios.hint": ["每条来自供应商文档；请求头 X-Mock-Scenario 可指定其中一条。",
    "Each comes from a vendor's document; the X-Mock-Scenario request header picks one."],
  "error.request": ["请求失败", "Request failed"],
  "scenario.count": ["之后的请求数", "Next requests"],
  "col.seed": ["来源文档", "Vendor document"],
  "scenario.next": ["返回此报文", "Answer with it"],
  "tab.try": ["试一试", "Try a check"],
  "form.name": ["真实姓名", "Name"],
  "form.id": ["身份证号码", "ID number"],
  "form.mobile": ["手机号码", "Mobile"],
  "form.submit": ["提交", "Check"],
  "examples.title": ["示例人员（合成数据）", "Example people (synthetic)"],
  "try.refused": ["本地校验未通过，未发送", "Refused locally, not sent"],
  "try.sent": ["请求（参数已脱敏）", "Request as sent (values masked)"],
  "try.answer": ["原始应答", "The raw answer"],
  "try.requestId": ["请求 ID", "Request id"],
  "dev.mode": ["开发者模式", "Developer mode"],
  "dev.explain": ["报文解析", "Explain the body"],
  "dev.attempt": ["第 {n} 次请求", "attempt {n}"],
  "dev.noAnswer": ["没有应答", "No answer"],
  "dev.nothingSent": ["没有发送任何请求（本地拒绝或来自缓存）", "Nothing was sent (refused locally, or answered from the cache)"],
  "dev.intro": ["以下是针对此次获得的报文的解释：", "What each field of this answer says:"],
  "dev.notJson": ["应答不是 JSON，无法解析", "The answer is not JSON: nothing to explain"],
  "dev.undocumented": ["（供应商文档未说明此字段）", "(the vendor's document does not describe this field)"],
  "dev.derived": ["（文档未直接说明，据文档推断）", "(not described as such: inferred from the document)"],
  "col.field": ["字段名", "Field"],
  "col.type": ["类型", "Type"],
  "col.value": ["报文内容", "Value"],
  "col.meaning": ["字段描述", "Description"],
  "scenario.queued": ["已排队", "queued"],
};

const Console = {
  lang: localStorage.getItem("shiming.lang") === "en" ? 1 : 0,

  t(key) {
    const entry = DICT[key];
    return entry ? entry[this.lang] : key;
  },

  applyI18n(root = document) {
    document.documentElement.lang = this.lang ? "en" : "zh-CN";
    for (const el of root.querySelectorAll("[data-i18n]")) {
      el.textContent = this.t(el.dataset.i18n);
    }
  },

  toggleLang() {
    this.lang = 1 - this.lang;
    localStorage.setItem("shiming.lang", this.lang ? "en" : "zh");
    this.applyI18n();
    document.dispatchEvent(new Event("langchange"));
  },

  // The start-up token, when the console was opened with ?token=… (required off loopback).
  token() {
    const fromUrl = new URLSearchParams(location.search).get("token");
    if (fromUrl) sessionStorage.setItem("shiming.token", fromUrl);
    return sessionStorage.getItem("shiming.token");
  },

  // A call to the server: JSON in and out; every call carries the CSRF header, which a page
  // of another origin cannot set without the server's consent.
  async api(path, options = {}) {
    const headers = { "X-Shiming-Console": "1" };
    const token = this.token();
    if (token) headers.Authorization = "Bearer " + token;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method: options.method || (options.body === undefined ? "GET" : "POST"),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const value = text ? JSON.parse(text) : null;
    // A refusal the page shows (e.g. input refused locally, 422) comes back as its answer.
    if (!response.ok && !(options.acceptErrors && value && value.error)) {
      throw new Error(this.t("error.request") + ": " + response.status + " " + (value && value.error ? value.error : ""));
    }
    return value;
  },

  el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(child == null ? "" : String(child)));
    }
    return node;
  },

  // The vendors' field tables (fields.tsv: type and the vendor document's description of
  // each field of an answer body), fetched once.
  fieldTables: null,
  async fields() {
    if (!this.fieldTables) {
      this.fieldTables = fetch("fields.tsv").then((r) => r.text()).then((text) => {
        const tables = {};
        let columns = null;
        for (const line of text.split("\n")) {
          if (!line || line.startsWith("#")) continue;
          const cells = line.split("\t");
          if (!columns) { columns = cells; continue; }
          const row = Object.fromEntries(columns.map((c, i) => [c, cells[i]]));
          (tables[row.api] = tables[row.api] || []).push(row);
        }
        return tables;
      });
    }
    return this.fieldTables;
  },

  // Every field of a JSON body by its dotted path, objects included, in the body's order.
  flatten(value, prefix = "", out = []) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) {
        const path = prefix + key;
        out.push([path, inner]);
        this.flatten(inner, path + ".", out);
      }
    }
    return out;
  },

  // 报文解析: a table of each field of `body` (text), as the vendors' pages show it — name,
  // type, the value in this answer, and the vendor document's description.
  async explain(api, body) {
    let parsed;
    try { parsed = JSON.parse(body); } catch (e) { return this.el("p", { class: "hint" }, this.t("dev.notJson")); }
    const table = (await this.fields())[api] || [];
    const rows = this.flatten(parsed).map(([path, value]) => {
      const known = table.find((row) => row.field === path);
      const shown = value !== null && typeof value === "object" ? "{…}" : JSON.stringify(value);
      const meaning = known
        ? (this.lang ? known.en : known.zh) + (known.source.startsWith("derived") ? " " + this.t("dev.derived") : "")
        : this.t("dev.undocumented");
      return this.el("tr", { "data-field": path, class: known ? "" : "undocumented" },
        this.el("td", {}, path),
        this.el("td", {}, known ? known.type : typeof value),
        this.el("td", {}, shown),
        this.el("td", {}, meaning));
    });
    return this.el("div", { class: "explain" },
      this.el("p", {}, this.t("dev.intro")),
      this.el("table", { class: "explain", "data-api": api },
        this.el("thead", {}, this.el("tr", {}, ...["col.field", "col.type", "col.value", "col.meaning"].map((k) => this.el("th", {}, this.t(k))))),
        this.el("tbody", {}, ...rows)));
  },

  // One exchange as it went over the wire: the request as sent (values masked, credentials
  // hidden) and the raw answer with its status and headers.
  exchangeView(exchange) {
    const headers = (list) => (list || []).map(([name, value]) => name + ": " + value).join("\n");
    const request = exchange.method + " " + exchange.url + "\n" + headers(exchange.request_headers) +
      (exchange.request_body ? "\n\n" + exchange.request_body : "");
    const answer = exchange.status == null
      ? this.t("dev.noAnswer") + (exchange.failure ? ": " + exchange.failure : "")
      : "HTTP " + exchange.status + "\n" + headers(exchange.response_headers) + "\n\n" + (exchange.response_body || "");
    return this.el("div", { class: "exchange", "data-vendor": exchange.vendor },
      this.el("h3", {}, exchange.vendor + " · " + this.t("dev.attempt").replace("{n}", exchange.attempt) +
        " · " + Number(exchange.latency_ms || 0).toFixed(1) + " ms"),
      this.el("h3", {}, this.t("try.sent")),
      this.el("pre", { class: "request" }, request),
      this.el("h3", {}, this.t("try.answer")),
      this.el("pre", { class: "answer", "data-status": exchange.status == null ? "none" : exchange.status }, answer));
  },

  // The vendor page's two switches under a result: 开发者模式 (every exchange, raw) and
  // 报文解析 (the last answer's fields explained). 开发者模式 stays as last chosen.
  devPanel(exchanges, developerByDefault) {
    const stored = localStorage.getItem("shiming.dev");
    const on = stored == null ? developerByDefault : stored === "1";
    const raw = this.el("div", { class: "raw" }, ...exchanges.map((e) => this.exchangeView(e)));
    raw.hidden = !on;
    const explained = this.el("div", { class: "explained" });
    explained.hidden = true;
    const last = [...exchanges].reverse().find((e) => e.status != null);
    const toggle = this.el("input", { type: "checkbox", id: "dev-mode" });
    toggle.checked = on;
    toggle.addEventListener("change", () => {
      raw.hidden = !toggle.checked;
      localStorage.setItem("shiming.dev", toggle.checked ? "1" : "0");
    });
    const explainButton = this.el("button", {
      type: "button",
      id: "explain",
      onclick: async () => {
        if (explained.hidden && !explained.firstChild) explained.append(await this.explain(last.vendor, last.response_body || ""));
        explained.hidden = !explained.hidden;
      },
    }, this.t("dev.explain"));
    if (!last) explainButton.disabled = true;
    return this.el("div", { class: "dev" },
      this.el("div", { class: "bar" },
        this.el("label", {}, toggle, " ", this.t("dev.mode")),
        explainButton),
      exchanges.length ? raw : this.el("p", { class: "hint", id: "nothing-sent" }, this.t("dev.nothingSent")),
      explained);
  },

  // Tabs from the location's hash.
  tabs() {
    const show = () => {
      const current = (location.hash || "#" + document.querySelector("[data-tab]").dataset.tab).slice(1);
      for (const section of document.querySelectorAll("section.tab")) section.hidden = section.id !== current;
      for (const link of document.querySelectorAll("[data-tab]")) link.classList.toggle("active", link.dataset.tab === current);
      document.dispatchEvent(new CustomEvent("tabchange", { detail: current }));
    };
    window.addEventListener("hashchange", show);
    show();
  },
};

document.addEventListener("DOMContentLoaded", () => {
  Console.applyI18n();
  const lang = document.getElementById("lang");
  if (lang) lang.addEventListener("click", () => Console.toggleLang());
});

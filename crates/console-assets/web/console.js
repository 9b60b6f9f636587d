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
  "scenario.next": ["下一次请求返回此报文", "Answer the next request with it"],
  "tab.try": ["试一试", "Try a check"],
  "form.name": ["真实姓名", "Name"],
  "form.id": ["身份证号码", "ID number"],
  "form.mobile": ["手机号码", "Mobile"],
  "form.submit": ["提交", "Check"],
  "examples.title": ["示例人员（合成数据）", "Example people (synthetic)"],
  "try.refused": ["本地校验未通过，未发送", "Refused locally, not sent"],
  "try.sent": ["请求（参数已脱敏）", "Request as sent (values masked)"],
  "try.answer": ["开发者模式：原始应答", "Developer mode: the raw answer"],
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

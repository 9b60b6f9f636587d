// The mock market's console: the live journal (server-sent events), usage and quota, faults
// and the documented bodies.
"use strict";

const Mock = {
  entries: [],
  info: { market_url: "", products: [] },

  matches(entry) {
    const product = document.getElementById("f-product").value;
    const status = document.getElementById("f-status").value;
    const billed = document.getElementById("f-billed").value;
    if (product && entry.product !== product) return false;
    if (status === "0" && entry.status !== 0) return false;
    if (status && status !== "0" && String(entry.status)[0] !== status) return false;
    if (billed === "yes" && !entry.charged) return false;
    if (billed === "no" && entry.charged) return false;
    return true;
  },

  // A curl command for the entry, with placeholders where the journal holds masked values.
  curl(entry) {
    const placeholder = (name, value) => {
      const key = name.toLowerCase();
      if (/^(xm|name|realname|username)$/.test(key)) return "<NAME>";
      if (/(idcard|idno|cardno|certno|sfz)/.test(key)) return "<ID_NUMBER>";
      if (/(mobile|phone|tel)/.test(key)) return "<MOBILE>";
      return /^\*+$/.test(value) ? "<" + name.toUpperCase() + ">" : value;
    };
    const params = entry.params
      ? entry.params.split("&").map((pair) => {
          const at = pair.indexOf("=");
          const name = at < 0 ? pair : pair.slice(0, at);
          return name + "=" + placeholder(name, at < 0 ? "" : pair.slice(at + 1));
        }).join("&")
      : "";
    const url = this.info.market_url + entry.path;
    const auth = "-H 'Authorization: APPCODE <APPCODE>'";
    if (entry.method === "GET") {
      return "curl " + auth + " '" + url + (params ? "?" + params : "") + "'";
    }
    return "curl -X " + entry.method + " " + auth + " --data '" + params + "' '" + url + "'";
  },

  row(entry, fresh) {
    const time = new Date(entry.received_at_ms).toLocaleTimeString(Console.lang ? "en-GB" : "zh-CN", { hour12: false });
    const ok = entry.status >= 200 && entry.status < 300;
    const copy = Console.el("button", {
      type: "button",
      class: "copy",
      onclick: async (event) => {
        const text = this.curl(entry);
        try { await navigator.clipboard.writeText(text); } catch (e) { /* not allowed: shown below */ }
        event.target.title = text;
        event.target.textContent = Console.t("journal.copied");
        event.target.dataset.curl = text;
      },
    }, Console.t("journal.copy"));
    const details = Console.el("button", {
      type: "button",
      class: "details",
      onclick: () => {
        const next = tr.nextElementSibling;
        if (next && next.classList.contains("detail")) { next.remove(); return; }
        const parts = [];
        if (entry.string_to_sign) parts.push(Console.el("h3", {}, Console.t("journal.sts")), Console.el("pre", { class: "sts" }, entry.string_to_sign));
        if (entry.body) parts.push(Console.el("h3", {}, Console.t("journal.body")), Console.el("pre", { class: "body" }, entry.body));
        tr.after(Console.el("tr", { class: "detail" }, Console.el("td", { colspan: "12" }, ...parts)));
      },
    }, Console.t("journal.details"));
    const tr = Console.el("tr", { class: fresh ? "new" : "", "data-request-id": entry.request_id },
      Console.el("td", {}, time),
      Console.el("td", {}, entry.product || "—"),
      Console.el("td", {}, entry.credential || "—"),
      Console.el("td", { class: entry.auth ? "" : "status-bad" }, entry.auth ? Console.t("auth." + entry.auth) : "✗"),
      Console.el("td", {}, entry.quota ? Console.t("quota." + entry.quota) : "—"),
      Console.el("td", { class: ok ? "status-ok" : "status-bad" }, entry.status || Console.t("filter.closed")),
      Console.el("td", {}, entry.charged ? Console.t("billed.yes") : Console.t("billed.no")),
      Console.el("td", {}, (entry.latency_us / 1000).toFixed(1) + " ms"),
      Console.el("td", {}, entry.gateway_error || ""),
      Console.el("td", {}, entry.fault || ""),
      Console.el("td", { class: "params" }, entry.method + " " + entry.path + (entry.params ? "?" + entry.params : "")),
      Console.el("td", {}, details, " ", copy));
    return tr;
  },

  render() {
    const body = document.querySelector("#journal-table tbody");
    body.replaceChildren(...this.entries.filter((e) => this.matches(e)).slice(-500).reverse().map((e) => this.row(e, false)));
    document.getElementById("count").textContent = this.entries.length + " " + Console.t("journal.count");
  },

  add(entry) {
    this.entries.push(entry);
    if (this.entries.length > 5000) this.entries.shift();
    if (this.matches(entry)) {
      document.querySelector("#journal-table tbody").prepend(this.row(entry, true));
    }
    document.getElementById("count").textContent = this.entries.length + " " + Console.t("journal.count");
  },

  async journal() {
    this.entries = await Console.api("/__admin/journal");
    this.render();
    const live = document.getElementById("live");
    const token = Console.token();
    const source = new EventSource("/__console/events" + (token ? "?token=" + encodeURIComponent(token) : ""));
    source.addEventListener("open", () => { live.dataset.i18n = "journal.live"; live.className = "live on"; Console.applyI18n(live.parentNode); });
    source.addEventListener("error", () => { live.dataset.i18n = "journal.offline"; live.className = "live off"; Console.applyI18n(live.parentNode); });
    source.addEventListener("journal", (event) => this.add(JSON.parse(event.data)));
    source.addEventListener("reset", () => { this.entries = []; this.render(); });
    // The stream fell behind: the journal is fetched again.
    source.addEventListener("reload", async () => { this.entries = await Console.api("/__admin/journal"); this.render(); });
  },

  async usage() {
    const rows = await Console.api("/__admin/usage?all=1");
    const body = document.querySelector("#usage-table tbody");
    body.replaceChildren(...rows.map((row) => {
      const input = Console.el("input", { type: "number", min: "0", value: row.quota_left == null ? "" : row.quota_left, "aria-label": "quota" });
      const save = Console.el("button", {
        type: "button",
        onclick: async () => {
          const quota = input.value === "" ? null : Number(input.value);
          await Console.api("/__admin/quota", { body: { credential: row.credential, product: row.product, quota } });
          this.usage();
        },
      }, Console.t("usage.save"));
      const total = row.quota_left == null ? null : row.quota_left + row.charged;
      const low = total && row.quota_left * 5 <= total;
      return Console.el("tr", { "data-credential": row.credential, "data-product": row.product },
        Console.el("td", {}, row.credential),
        Console.el("td", {}, row.product),
        Console.el("td", {}, row.received),
        Console.el("td", {}, row.charged),
        Console.el("td", { class: low ? "low quota" : "quota" }, row.quota_left == null ? Console.t("usage.unlimited") : row.quota_left),
        Console.el("td", {}, input, " ", save));
    }));
  },

  async scenarios() {
    const list = await Console.api("/__admin/scenarios");
    const body = document.querySelector("#scenario-table tbody");
    body.replaceChildren(...list.map((s) => {
      const next = Console.el("button", {
        type: "button",
        class: "next",
        onclick: async (event) => {
          const count = Math.max(1, Number(document.getElementById("scenario-count").value) || 1);
          const answer = await Console.api("/__admin/scenarios", { body: { scenario: s.id, count } });
          event.target.textContent = Console.t("scenario.queued") + " (" + answer.count + ")";
        },
      }, Console.t("scenario.next"));
      return Console.el("tr", { "data-scenario": s.id },
        Console.el("td", { class: "params" }, s.id),
        Console.el("td", {}, s.status),
        Console.el("td", {}, s.billed ? Console.t("billed.yes") : Console.t("billed.no")),
        Console.el("td", {}, s.description),
        Console.el("td", { class: "params" }, s.seed),
        Console.el("td", {}, next));
    }));
  },

  faults() {
    document.getElementById("fault-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const product = document.getElementById("fault-product").value || null;
      const fault = document.getElementById("fault-kind").value;
      const count = Number(document.getElementById("fault-count").value || 1);
      const answer = await Console.api("/__admin/faults", { body: { fault, count, product } });
      document.getElementById("fault-result").textContent = Console.t("fault.queued") + ": " + JSON.stringify(answer.queued);
    });
  },

  tryCheck() {
    const select = document.getElementById("try-product");
    for (const product of this.info.products) select.append(Console.el("option", { value: product }, product));
    const fill = (p) => {
      document.getElementById("try-name").value = p.name;
      document.getElementById("try-id").value = p.id_card;
      document.getElementById("try-mobile").value = p.mobile || "";
    };
    document.getElementById("try-examples").replaceChildren(...(this.info.examples || []).filter((p) => !p.note.startsWith("gen:")).map((p) =>
      Console.el("li", {}, Console.el("button", { type: "button", class: "example", onclick: () => fill(p) }, p.name), " ", p.note)));
    document.getElementById("try-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = {
        product: select.value,
        name: document.getElementById("try-name").value,
        id_card: document.getElementById("try-id").value,
        mobile: document.getElementById("try-mobile").value,
      };
      const answer = await Console.api("/__console/try", { body: form });
      for (const id of ["try-name", "try-id", "try-mobile"]) document.getElementById(id).value = "";
      const result = document.getElementById("try-result");
      if (!answer.sent) {
        result.replaceChildren(Console.el("p", { class: "status-bad", "data-refused": "1" }, Console.t("try.refused") + ": " + answer.refused));
        return;
      }
      const row = (label, value) => Console.el("tr", {}, Console.el("th", {}, Console.t(label)), Console.el("td", {}, value == null ? "—" : value));
      result.replaceChildren(
        Console.el("table", { class: "result", "data-status": answer.status },
          row("col.product", answer.vendor),
          row("col.status", answer.status || Console.t("filter.closed")),
          row("col.billed", answer.billed ? Console.t("billed.yes") : Console.t("billed.no")),
          row("try.requestId", answer.request_id)),
        Console.devPanel(answer.exchanges || [], true));
    });
  },

  async start() {
    this.info = await Console.api("/__console/info");
    this.tryCheck();
    for (const id of ["f-product", "fault-product"]) {
      const select = document.getElementById(id);
      for (const product of this.info.products) select.append(Console.el("option", { value: product }, product));
    }
    for (const id of ["f-product", "f-status", "f-billed"]) {
      document.getElementById(id).addEventListener("change", () => this.render());
    }
    document.addEventListener("langchange", () => this.render());
    document.addEventListener("tabchange", (event) => {
      if (event.detail === "usage") this.usage();
      if (event.detail === "faults") this.scenarios();
    });
    this.faults();
    Console.tabs();
    await this.journal();
  },
};

document.addEventListener("DOMContentLoaded", () => {
  Mock.start().catch((error) => {
    document.getElementById("live").textContent = String(error.message || error);
    throw error;
  });
});

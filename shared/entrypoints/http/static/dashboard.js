// The dashboard (docs/dashboard.md): reads this app's JSON API with relative URLs and draws it
// with the vendored Chart.js. A value the API answers null is shown as "no data", never as 0;
// a call that fails is listed in the error banner and noted on its card.
(() => {
  "use strict";

  const TOP_DEPLOYMENTS = 5;
  const TOP_FINDINGS = 5;
  const MAX_PAGES = 50;
  const COLORS = ["#2c5282", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f"];
  const OTHER = "#a0aec0";
  const UNALLOCATED = "#e53e3e";
  const STATE_COLORS = { ok: "#2f8f46", "at-risk": "#c77c02", breached: "#c0392b" };

  const page = new URLSearchParams(location.search);
  const code = page.get("code"); // the function key the page was opened with (Azure)
  const apiBase = new URL("./", location.href); // /api/dashboard -> /api/

  class ApiError extends Error {
    constructor(path, status, detail) {
      super(`GET ${path}: ${status ? status + " " : ""}${detail}`);
      this.status = status;
      this.detail = detail;
    }
  }

  function withKey(url) {
    if (code && !url.searchParams.has("code")) url.searchParams.set("code", code);
    return url;
  }

  async function getUrl(url) {
    const path = url.pathname;
    let response;
    try {
      response = await fetch(withKey(url), { headers: { Accept: "application/json" } });
    } catch (error) {
      throw new ApiError(path, 0, `network error: ${error.message}`);
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = (body && (body.detail || body.title)) || response.statusText;
      throw new ApiError(path, response.status, detail);
    }
    return body;
  }

  function get(path, query = {}) {
    const url = new URL(path, apiBase);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) url.searchParams.set(name, value);
    }
    return getUrl(url);
  }

  // Every item of a list route, following `nextLink` page after page.
  async function getAll(path, field, query = {}) {
    let body = await get(path, query);
    const items = [...body[field]];
    for (let pages = 1; body.nextLink && pages < MAX_PAGES; pages++) {
      body = await getUrl(new URL(body.nextLink, apiBase));
      items.push(...body[field]);
    }
    return items;
  }

  // -- formatting ------------------------------------------------------------------------------

  let currency = "USD";
  const moneyFormat = (digits) =>
    new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: digits,
    });
  const money = (value) =>
    value === null || value === undefined ? "no data" : moneyFormat(2).format(value);
  const unitMoney = (value) =>
    value === null || value === undefined ? "no data" : moneyFormat(6).format(value);
  // Axis ticks: short ("$25K", "$0.0125"); tooltips and figures in full.
  const axisMoney = (value) =>
    new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      notation: "compact",
      maximumSignificantDigits: 3,
    }).format(value);
  const cents = (value) => Math.round(value * 100) / 100;
  const short = (text, n = 38) => (text.length > n ? text.slice(0, n - 1) + "…" : text);

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  function note(card, text, isError = false) {
    const node = document.querySelector(`[data-note="${card}"]`);
    node.textContent = text;
    node.classList.toggle("error", isError);
  }

  const errors = [];
  function failed(card, error) {
    if (error instanceof ApiError && error.status === 404) {
      note(card, `No data: ${error.detail}`);
      return;
    }
    note(card, `Could not load: ${error.message}`, true);
    if (errors.includes(error.message)) return; // one call feeds several cards: listed once
    errors.push(error.message);
    document.getElementById("error-list").append(el("li", {}, error.message));
    document.getElementById("errors").hidden = false;
  }

  // -- charts ----------------------------------------------------------------------------------

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.animation = false; // drawn at once: a screenshot shows the figures

  function draw(id, config) {
    const canvas = document.getElementById(id);
    const old = Chart.getChart(canvas);
    if (old) old.destroy();
    config.options = { responsive: true, maintainAspectRatio: false, ...config.options };
    return new Chart(canvas, config);
  }

  function clear(id) {
    const old = Chart.getChart(document.getElementById(id));
    if (old) old.destroy();
  }

  const moneyAxis = () => ({ ticks: { callback: (v) => axisMoney(v) } });
  const tooltip = (format, titles) => ({
    callbacks: {
      ...(titles ? { title: (items) => titles[items[0].dataIndex] } : {}),
      label: (item) => `${item.dataset.label ? item.dataset.label + ": " : ""}${format(item.raw)}`,
    },
  });

  // One bar per label, every label shown; `axis` formats the value axis, `format` tooltips.
  function horizontalBars(
    id,
    labels,
    datasets,
    format,
    { axis = axisMoney, stacked = false, titles } = {},
  ) {
    return draw(id, {
      type: "bar",
      data: { labels, datasets },
      options: {
        indexAxis: "y",
        scales: {
          x: { stacked, ticks: { callback: (v) => axis(v), maxRotation: 0 } },
          y: { stacked, ticks: { autoSkip: false } },
        },
        plugins: { legend: { display: datasets.length > 1 }, tooltip: tooltip(format, titles) },
      },
    });
  }

  // -- state -----------------------------------------------------------------------------------

  const state = { periods: [], period: null, basis: page.get("costType") || "amortized" };

  function remember() {
    const query = new URLSearchParams(location.search);
    query.set("period", state.period);
    query.set("costType", state.basis);
    history.replaceState(null, "", `${location.pathname}?${query}`);
  }

  // -- cards -----------------------------------------------------------------------------------

  function totalsCard() {
    const of = (basis) =>
      state.periods.find((p) => p.period === state.period && p.costType === basis);
    const shown = of(state.basis);
    for (const name of ["billed", "allocated", "unallocated"]) {
      document.getElementById(`kpi-${name}`).textContent = shown
        ? money(shown[`${name}Cost`])
        : "no data";
    }
    const bases = ["actual", "amortized"];
    const missing = bases.filter((b) => !of(b));
    note("totals", missing.length ? `Not allocated in ${missing.join(", ")} cost: no data.` : "");
    const fields = [
      ["billedCost", "Billed"],
      ["allocatedCost", "Allocated"],
      ["unallocatedCost", "Unallocated"],
    ];
    draw("chart-totals", {
      type: "bar",
      data: {
        labels: bases.map((b) => `${b[0].toUpperCase()}${b.slice(1)} cost`),
        datasets: fields.map(([field, label], i) => ({
          label,
          data: bases.map((b) => (of(b) ? of(b)[field] : null)),
          backgroundColor: [COLORS[0], COLORS[2], UNALLOCATED][i],
        })),
      },
      options: { scales: { y: moneyAxis() }, plugins: { tooltip: tooltip(money) } },
    });
  }

  async function dailyCard(unitCosts) {
    const [daily, top] = await Promise.all([
      get("daily", { period: state.period, costType: state.basis }),
      Promise.all(
        unitCosts.deployments
          .filter((d) => d.cost > 0)
          .sort((a, b) => b.cost - a.cost)
          .slice(0, TOP_DEPLOYMENTS)
          .map((d) =>
            get(`deployments/${encodeURIComponent(d.key)}/daily`, {
              period: state.period,
              costType: state.basis,
            }),
          ),
      ),
    ]);
    const dates = daily.days.map((d) => d.date);
    const datasets = top.map((dep, i) => {
      const byDate = new Map(dep.days.map((d) => [d.date, d.cost]));
      return {
        label: dep.deployment,
        data: dates.map((d) => byDate.get(d) ?? null), // the same days: never missing
        backgroundColor: COLORS[i % COLORS.length],
      };
    });
    const rest = unitCosts.deployments.length - top.length;
    if (rest > 0) {
      const other = daily.days.map((day, i) =>
        cents(day.allocatedCost - datasets.reduce((sum, s) => sum + s.data[i], 0)),
      );
      datasets.push({ label: `Other deployments (${rest})`, data: other, backgroundColor: OTHER });
    }
    datasets.push({
      label: "Unallocated",
      data: daily.days.map((d) => d.unallocatedCost),
      backgroundColor: UNALLOCATED,
    });
    document.getElementById("daily-sub").textContent = `(top ${top.length} by cost, stacked)`;
    note("daily", dates.length ? "" : "No allocated day yet in this period.");
    draw("chart-daily", {
      type: "bar",
      data: { labels: dates, datasets },
      options: {
        scales: {
          x: {
            stacked: true,
            ticks: {
              maxRotation: 0,
              callback(v) {
                return this.getLabelForValue(v).slice(8);
              },
            },
          },
          y: { stacked: true, ...moneyAxis() },
        },
        plugins: { legend: { position: "right" }, tooltip: tooltip(money) },
      },
    });
  }

  function unitCard(unitCosts) {
    const deps = [...unitCosts.deployments].sort(
      (a, b) => (b.costPer1kTokens ?? -1) - (a.costPer1kTokens ?? -1),
    );
    const labels = deps.map((d) =>
      d.costPer1kTokens === null ? `${d.deployment} (no data)` : d.deployment,
    );
    const data = deps.map((d) => d.costPer1kTokens);
    const missing = data.filter((v) => v === null).length;
    note("unit", missing ? `${missing} deployment(s) without tokens: no unit cost (no data).` : "");
    horizontalBars(
      "chart-unit",
      labels,
      [{ label: "Cost per 1K tokens", data, backgroundColor: COLORS[0] }],
      unitMoney,
      {
        titles: deps.map((d) => `${d.deployment} (${d.model}, ${d.sku})`),
      },
    );
  }

  function ptuCard(unitCosts) {
    const ptu = unitCosts.deployments.filter((d) => d.provisionedCost > 0);
    if (!ptu.length) {
      clear("chart-ptu");
      note("ptu", "No provisioned deployment in this period.");
      return;
    }
    const known = (d) => d.provisionedIdleCost !== null;
    const labels = ptu.map((d) =>
      known(d) ? d.deployment : `${d.deployment} (no utilization data)`,
    );
    horizontalBars(
      "chart-ptu",
      labels,
      [
        {
          label: "Used",
          data: ptu.map((d) => (known(d) ? d.provisionedUsedCost : null)),
          backgroundColor: COLORS[2],
        },
        {
          label: "Idle",
          data: ptu.map((d) => (known(d) ? d.provisionedIdleCost : null)),
          backgroundColor: UNALLOCATED,
        },
        {
          label: "Split unknown",
          data: ptu.map((d) => (known(d) ? null : d.provisionedCost)),
          backgroundColor: OTHER,
        },
      ],
      money,
      { stacked: true },
    );
    note("ptu", "");
  }

  function unallocatedCard(unitCosts) {
    const byReason = new Map();
    for (const line of unitCosts.unallocated)
      byReason.set(line.reason, cents((byReason.get(line.reason) || 0) + line.cost));
    const reasons = [...byReason.entries()].sort((a, b) => b[1] - a[1]);
    const list = document.getElementById("unallocated-lines");
    list.replaceChildren(
      ...[...unitCosts.unallocated]
        .sort((a, b) => b.cost - a.cost)
        .slice(0, 5)
        .map((l) =>
          el(
            "li",
            { title: `${l.meter} (${l.accountId})` },
            el("span", {}, `${l.meter} · ${l.reason}`),
            el("span", {}, money(l.cost)),
          ),
        ),
    );
    note(
      "unallocated",
      reasons.length
        ? `${unitCosts.unallocated.length} line(s); the largest above.`
        : "Everything was allocated.",
    );
    horizontalBars(
      "chart-unallocated",
      reasons.map(([r]) => r),
      [{ label: "Unallocated", data: reasons.map(([, c]) => c), backgroundColor: UNALLOCATED }],
      money,
    );
  }

  async function useCasesCard() {
    const all = await getAll("use-cases", "useCases");
    const live = all.filter((u) => u.status !== "planned");
    const views = await Promise.all(
      live.map((u) =>
        get(`use-cases/${encodeURIComponent(u.name)}/unit-costs`, {
          period: state.period,
          costType: state.basis,
        }),
      ),
    );
    const labels = views.map((v) => [
      v.useCase,
      v.costPerOutcome === null ? "no data" : `per ${v.outcomeUnit}`,
    ]);
    const planned = all.length - live.length;
    const missing = views.filter((v) => v.costPerOutcome === null);
    note(
      "useCases",
      [
        all.length ? "" : "No use case defined.",
        planned ? `${planned} planned (no cost yet).` : "",
        ...missing.map((v) => `${v.useCase}: ${v.reason || "no data"}.`),
      ]
        .filter(Boolean)
        .join(" "),
    );
    horizontalBars(
      "chart-use-cases",
      labels,
      [
        {
          label: "Cost per outcome",
          data: views.map((v) => v.costPerOutcome),
          backgroundColor: COLORS[3],
        },
      ],
      unitMoney,
    );
  }

  async function targetsCard() {
    const targets = await getAll("targets", "targets");
    const statuses = await Promise.all(
      targets.map((t) => get(`targets/${encodeURIComponent(t.id)}/status`)),
    );
    const rows = statuses.map((s) => {
      const evaluation = s.periods.find((p) => p.period === state.period) || null;
      return { id: s.targetId, metric: s.metric, threshold: s.threshold, evaluation };
    });
    const list = document.getElementById("targets");
    list.replaceChildren(
      ...rows.map((r) => {
        const e = r.evaluation;
        const stateName = e ? e.state : "none";
        const observed = e && e.observed !== null ? `${e.observed} / ${r.threshold}` : "no data";
        return el(
          "li",
          { "data-target": r.id, title: e && e.reason ? e.reason : r.metric },
          el(
            "span",
            {},
            el("span", { class: `state ${stateName}` }, e ? e.state : "not evaluated"),
            ` ${r.id}`,
          ),
          el("span", {}, observed),
        );
      }),
    );
    note(
      "targets",
      rows.length
        ? `Evaluations of ${state.period} (each target's own price basis).`
        : "No target defined.",
    );
    const pct = rows.map((r) =>
      r.evaluation && r.evaluation.observed !== null && r.threshold
        ? Math.round((r.evaluation.observed / r.threshold) * 1000) / 10
        : null,
    );
    horizontalBars(
      "chart-targets",
      rows.map((r) => short(r.id, 30)),
      [
        {
          label: "Observed / threshold",
          data: pct,
          backgroundColor: rows.map((r) => STATE_COLORS[r.evaluation?.state] || OTHER),
        },
      ],
      (v) => (v === null ? "no data" : `${v}%`),
      { axis: (v) => `${v}%` },
    );
  }

  async function insightsCard() {
    const body = await get("insights", { period: state.period, costType: state.basis });
    const top = body.findings.slice(0, TOP_FINDINGS);
    document.getElementById("insights-sub").textContent =
      `(up to ${money(body.upperBoundMonthlySaving)} a month)`;
    note(
      "insights",
      top.length
        ? `${body.findings.length} finding(s) over ${body.deploymentsExamined} deployments.`
        : "No finding for this period.",
    );
    horizontalBars(
      "chart-insights",
      top.map((f) => [f.deployment, f.type]),
      [
        {
          label: "Monthly saving",
          data: top.map((f) => f.monthlySaving),
          backgroundColor: COLORS[2],
        },
      ],
      money,
      { titles: top.map((f) => f.title) },
    );
  }

  // -- flow ------------------------------------------------------------------------------------

  // Draw one card; if its data cannot be had, it shows why and no chart.
  async function card(name, canvas, work) {
    try {
      await work();
    } catch (error) {
      clear(canvas);
      failed(name, error);
    }
  }

  function controls(enabled) {
    document.getElementById("period").disabled = !enabled;
    for (const button of document.querySelectorAll("[data-basis]")) button.disabled = !enabled;
  }

  async function render() {
    document.body.dataset.state = "loading";
    controls(false); // one render at a time: a later choice never lands under an earlier one
    errors.length = 0;
    document.getElementById("error-list").replaceChildren();
    document.getElementById("errors").hidden = true;
    for (const node of document.querySelectorAll("[data-note]")) note(node.dataset.note, "");
    for (const id of ["unallocated-lines", "targets", "daily-sub", "insights-sub"]) {
      document.getElementById(id).replaceChildren();
    }
    for (const button of document.querySelectorAll("[data-basis]")) {
      button.setAttribute("aria-pressed", String(button.dataset.basis === state.basis));
    }
    const head = state.periods.find((p) => p.period === state.period);
    const status = document.getElementById("status");
    status.className = `badge ${head ? head.status : ""}`;
    status.textContent = head
      ? head.status === "open"
        ? `open: Azure may restate it until ${head.closesOn}`
        : "closed"
      : "";
    if (head) currency = head.currency;
    totalsCard();
    const unitCosts = get("unit-costs", { period: state.period, costType: state.basis });
    const withUnitCosts = (drawCard) => async () => drawCard(await unitCosts); // one call, four cards
    await Promise.all([
      card("daily", "chart-daily", withUnitCosts(dailyCard)),
      card("unit", "chart-unit", withUnitCosts(unitCard)),
      card("ptu", "chart-ptu", withUnitCosts(ptuCard)),
      card("unallocated", "chart-unallocated", withUnitCosts(unallocatedCard)),
      card("useCases", "chart-use-cases", useCasesCard),
      card("targets", "chart-targets", targetsCard),
      card("insights", "chart-insights", insightsCard),
    ]);
    document.getElementById("loading").hidden = true;
    controls(true);
    document.body.dataset.state = "ready";
  }

  async function start() {
    try {
      state.periods = await getAll("periods", "periods");
    } catch (error) {
      failed("totals", error);
      document.getElementById("loading").hidden = true;
      document.body.dataset.state = "ready";
      return;
    }
    const names = [...new Set(state.periods.map((p) => p.period))]; // newest first
    const picker = document.getElementById("period");
    picker.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
    if (!names.length) {
      note("totals", "No period has been allocated yet: no data.");
      document.getElementById("loading").hidden = true;
      document.body.dataset.state = "ready";
      return;
    }
    state.period = names.includes(page.get("period")) ? page.get("period") : names[0];
    if (!["actual", "amortized"].includes(state.basis)) state.basis = "amortized";
    picker.value = state.period;
    picker.addEventListener("change", () => {
      state.period = picker.value;
      remember();
      render();
    });
    for (const button of document.querySelectorAll("[data-basis]")) {
      button.addEventListener("click", () => {
        state.basis = button.dataset.basis;
        remember();
        render();
      });
    }
    remember();
    await render();
  }

  window.dashboard = { state, errors };
  start();
})();

// The ops dashboard: polls the silo's summary and redraws. The API key comes from the page's fragment
// (/dashboard#key=..., which browsers never send to the server, so it reaches no log) or the form, and is
// kept in sessionStorage: this tab only, gone when it closes.
"use strict";

const keyName = "iotai-dashboard-key";
const pollMs = 2000;
const $ = id => document.getElementById(id);
let nextPoll;

function takeKeyFromFragment() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const key = fragment.get("key");
  if (key) {
    sessionStorage.setItem(keyName, key);
    history.replaceState(null, "", location.pathname + location.search);
  }
}

function showStatus(text, isError) {
  $("status").textContent = text;
  $("status").classList.toggle("error", Boolean(isError));
}

function askForKey(reason) {
  $("key-form").hidden = false;
  showStatus(reason, true);
}

function percent(value) {
  return value === null || value === undefined ? "–" : `${(value * 100).toFixed(1)}%`;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function shareBar(devices) {
  const total = Object.values(devices).reduce((a, b) => a + b, 0);
  const wrap = document.createElement("div");
  const bar = document.createElement("div");
  bar.className = "share";
  const legend = document.createElement("div");
  legend.className = "legend";
  Object.entries(devices).forEach(([version, count], i) => {
    const part = document.createElement("span");
    part.style.width = `${(100 * count) / Math.max(total, 1)}%`;
    part.style.background = Charts.palette[i % Charts.palette.length];
    part.title = `${version}: ${count}`;
    bar.append(part);
  });
  legend.textContent = Object.entries(devices).map(([version, count]) => `${version}: ${count}`).join(", ") || "no devices";
  wrap.append(bar, legend);
  return wrap;
}

function drawModels(models) {
  const body = $("models").tBodies[0];
  body.replaceChildren();
  for (const model of models) {
    const row = body.insertRow();
    row.dataset.model = model.name;
    cell(row, model.name);
    cell(row, model.kind);
    cell(row, model.activeVersion ?? "none", "active-version");
    cell(row, Object.entries(model.versions).map(([version, state]) => `${version} (${state})`).join(", "));
    row.insertCell().append(shareBar(model.devices));
    cell(row, model.driftPsi === null ? "–" : model.driftPsi.toFixed(3));
    cell(row, percent(model.accuracy));
    cell(row, Object.entries(model.liveAccuracy).map(([version, accuracy]) => `v${version} ${percent(accuracy)}`).join(", ") || "–", "live-accuracy");
  }
}

function drawRollouts(rollouts) {
  const body = $("rollouts").tBodies[0];
  body.replaceChildren();
  if (rollouts.length === 0) {
    cell(body.insertRow(), "no rollouts yet").colSpan = 9;
  }
  for (const r of rollouts) {
    const row = body.insertRow();
    cell(row, r.id);
    cell(row, `${r.model} ${r.version}`);
    cell(row, r.phase, r.phase);
    cell(row, `${r.stage} (${r.stageIndex + 1}/${r.stages})`);
    cell(row, `${r.targets}: ` + Object.entries(r.devices).map(([state, n]) => `${state} ${n}`).join(", "));
    cell(row, percent(r.activationRate));
    cell(row, percent(r.failureRate));
    cell(row, r.verdict ?? r.reason ?? "no verdict yet");
    cell(row, liveTrial(r), "live-trial");
  }
}

// Both versions on the same labelled uplinks of cloud-served devices, and the live gate's verdict.
function liveTrial(r) {
  if (!r.liveVerdict) return "–";
  const figures = r.livePairs > 0 ? `v${r.version} ${percent(r.liveAccuracy)} · v${r.liveBaseline} ${percent(r.liveBaselineAccuracy)} on ${r.livePairs} uplinks — ` : "";
  return figures + r.liveVerdict;
}

// One series per key of the history's dictionaries (a model's drift or accuracy).
function perModel(history, field) {
  const names = [...new Set(history.flatMap(s => Object.keys(s[field])))];
  return names.map(name => ({
    name,
    points: history.filter(s => name in s[field]).map(s => [Date.parse(s.at), s[field][name]]),
  }));
}

function drawCharts(history) {
  const t = s => Date.parse(s.at);
  Charts.line($("chart-throughput"), [{ name: "uplinks/s", points: history.map(s => [t(s), s.messagesPerSecond]) }]);
  Charts.line($("chart-latency"), [
    { name: "uplink p50", points: history.filter(s => s.uplink).map(s => [t(s), s.uplink.p50]) },
    { name: "uplink p95", points: history.filter(s => s.uplink).map(s => [t(s), s.uplink.p95]) },
    { name: "inference p95", points: history.filter(s => s.inference).map(s => [t(s), s.inference.p95]) },
  ]);
  Charts.line($("chart-drift"), perModel(history, "driftPsi"));
  Charts.line($("chart-accuracy"), perModel(history, "accuracy"), 1);
  Charts.line($("chart-live-accuracy"), perModel(history, "liveAccuracy"), 1);
  Charts.line($("chart-connected"), [{ name: "connected", points: history.map(s => [t(s), s.connected]) }]);
}

function draw(summary) {
  $("fleet-connected").textContent = summary.fleet.connected;
  $("fleet-known").textContent = summary.fleet.known;
  $("fleet-rate").textContent = summary.fleet.messagesPerSecond.toFixed(1);
  $("fleet-total").textContent = summary.fleet.messagesIn;
  drawModels(summary.models);
  drawRollouts(summary.rollouts);
  drawCharts(summary.history);
  showStatus(`updated ${new Date(summary.at).toLocaleTimeString()}`);
}

async function poll() {
  clearTimeout(nextPoll);
  const key = sessionStorage.getItem(keyName);
  if (!key) {
    askForKey("an API key is needed");
    return;
  }
  try {
    const response = await fetch("/api/dashboard/summary", { headers: { Authorization: `Bearer ${key}` }, cache: "no-store" });
    if (response.status === 401 || response.status === 403) {
      sessionStorage.removeItem(keyName);
      askForKey(response.status === 401 ? "the API key was refused" : "the API key may not read the dashboard");
      return;
    }
    if (!response.ok) throw new Error(`the silo answered ${response.status}`);
    draw(await response.json());
  } catch (error) {
    showStatus(`cannot reach the silo: ${error.message}`, true);
  }
  nextPoll = setTimeout(poll, pollMs);
}

$("key-form").addEventListener("submit", event => {
  event.preventDefault();
  sessionStorage.setItem(keyName, $("key").value.trim());
  $("key").value = "";
  $("key-form").hidden = true;
  poll();
});

$("forget").addEventListener("click", () => {
  sessionStorage.removeItem(keyName);
  askForKey("key forgotten");
});

takeKeyFromFragment();
poll();

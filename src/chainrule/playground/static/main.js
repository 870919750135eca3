// The page: controls, the URL, the websocket. Training runs in Python on chainrule's core.

import { NetworkDrawing, decode, drawCurve, drawOutput, drawPoints } from "/static/draw.js";
import { renderCheck, renderDynamics, renderEquations, renderMatrices, renderProvenance } from "/static/panels.js";

const $ = (id) => document.getElementById(id);
const CHOICES = {
  learning_rate: [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10],
  optimizer: ["gd", "sgd", "rmsprop", "adam"],
  l1: [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10],
  l2: [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10],
  dropout: [0, 0.1, 0.2, 0.3, 0.5],
  problem: ["classification", "regression"],
  speed: [1, 2, 5, 10, 20, 50],
  points: [100, 200, 500, 1000, 2000],
};
const DATASETS = {
  classification: ["circle", "xor", "gauss", "spiral", "moons"],
  regression: ["plane", "multigauss"],
};
const FEATURES = { x1: "x₁", x2: "x₂", "x1^2": "x₁²", "x2^2": "x₂²", x1x2: "x₁x₂", sin_x1: "sin x₁", sin_x2: "sin x₂" };
const ACTIVATIONS = ["tanh", "relu", "sigmoid", "identity", "leaky_relu"];
const LISTS = { hidden: "number", features: "string", activations: "string" };

const state = {
  socket: null,
  settings: null,
  setup: null,
  drawing: null,
  frame: null,
  pending: null,
  history: [],
  matrices: null,
  waiting: [],
  playing: false,
  stats: { updatesPerSecond: 0, framesPerSecond: 0, latency: null, framesDrawn: 0, framesReceived: 0, drawMs: 0 },
  recent: [],
  errors: [],
};
window.playground = state;

// ------------------------------------------------------------------ the URL holds the settings

function settingsFromHash() {
  const given = {};
  for (const [key, value] of new URLSearchParams(location.hash.slice(1))) {
    if (key in LISTS) {
      const items = value === "" ? [] : value.split(",");
      given[key] = LISTS[key] === "number" ? items.map(Number) : items;
    } else {
      const asNumber = Number(value);
      given[key] = value !== "" && !Number.isNaN(asNumber) ? asNumber : value;
    }
  }
  return given;
}

function writeHash(settings) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(settings)) params.set(key, Array.isArray(value) ? value.join(",") : value);
  history.replaceState(null, "", `#${params.toString()}`);
}

// ------------------------------------------------------------------ the websocket

function send(message) {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(message));
}

function configure(changes) {
  send({ type: "configure", settings: changes });
}

function showError(message) {
  state.errors.push(message);
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => (box.hidden = true), 8000);
}

function connect() {
  const socket = new WebSocket(`ws://${location.host}/ws`);
  state.socket = socket;
  socket.onopen = () => configure(settingsFromHash());
  socket.onclose = () => showError("the connection to the server closed; reload the page to start again");
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    const handler = HANDLERS[message.type];
    if (handler) handler(message);
  };
}

const HANDLERS = {
  hello(message) {
    for (const bug of message.bugs) {
      const option = document.createElement("option");
      option.value = bug.id;
      option.textContent = `bug ${bug.id} (${bug.equation})`;
      $("bug").appendChild(option);
    }
    state.bugs = message.bugs;
    state.thumbnails = message.thumbnails;
    if (state.settings) buildDatasets(state.settings);
  },
  error(message) {
    showError(message.message);
  },
  setup(message) {
    state.setup = message;
    state.history = [];
    state.matrices = null;
    applySettings(message.settings);
    state.drawing = new NetworkDrawing($("network"), message.layer_sizes, message.settings.features.map((f) => FEATURES[f]), message.density, (l, j, k) =>
      send({ type: "provenance", l, j, k }),
    );
    state.drawing.inputs(message.input_maps.map(decode));
    renderEquations($("equations"), message.equations, withMatrices);
    $("matrices").innerHTML = "";
    $("check").innerHTML = "";
    $("check-verdict").textContent = "";
    delete $("check-verdict").dataset.verdict;
  },
  settings(message) {
    applySettings(message.settings);
  },
  frame(message) {
    state.stats.framesReceived += 1;
    state.pending = message;
    requestAnimationFrame(drawPending);
  },
  playing(message) {
    state.playing = message.playing;
    $("play").textContent = message.playing ? "❚❚ pause" : "▶ play";
  },
  matrices(message) {
    state.matrices = message;
    renderMatrices($("matrices"), message, (l, j, k) => send({ type: "provenance", l, j, k }));
    for (const callback of state.waiting.splice(0)) callback(message);
  },
  provenance(message) {
    renderProvenance($("provenance"), message);
  },
  check(message) {
    renderCheck($("check"), $("check-verdict"), message);
  },
};

function withMatrices(callback) {
  if (state.matrices && state.frame && state.matrices.step === state.frame.step) return callback(state.matrices);
  if (!state.frame || state.frame.step === 0) return showError("no step taken yet: press step (or play) first");
  state.waiting.push(callback);
  send({ type: "inspect" });
}

// ------------------------------------------------------------------ drawing a frame

function drawPending() {
  const frame = state.pending;
  if (!frame) return;
  state.pending = null;
  const started = performance.now();
  state.frame = frame;
  const setup = state.setup;
  state.drawing.update(frame);
  drawOutput($("heatmap"), scratch, decode(frame.output_map), setup.output_density, setup.points, setup.targets, $("show-test").checked, setup.regression);
  if (!state.history.length || state.history[state.history.length - 1].step !== frame.step) {
    state.history.push({ step: frame.step, train: frame.train_cost, test: frame.test_cost });
    if (state.history.length > 2000) state.history = state.history.filter((_, i) => i % 2 === 0);
  }
  drawCurve($("curve"), state.history);
  $("step-count").textContent = frame.step;
  $("epoch-count").textContent = frame.epoch;
  $("test-cost").textContent = frame.test_cost.toFixed(3);
  $("test-cost").dataset.value = frame.test_cost;
  $("train-cost").textContent = frame.train_cost.toFixed(3);
  $("train-cost").dataset.value = frame.train_cost;
  renderDynamics($("dynamics"), frame.dynamics);
  send({ type: "drawn", id: frame.id });
  measure(frame, performance.now() - started);
}

function measure(frame, drawMs) {
  const now = performance.now();
  const stats = state.stats;
  stats.framesDrawn += 1;
  stats.drawMs = drawMs;
  stats.latency = frame.latency_ms;
  state.recent.push([now, frame.step]);
  while (state.recent.length > 2 && now - state.recent[0][0] > 1000) state.recent.shift();
  const [t0, s0] = state.recent[0];
  const seconds = (now - t0) / 1000;
  if (seconds > 0) {
    stats.updatesPerSecond = (frame.step - s0) / seconds;
    stats.framesPerSecond = (state.recent.length - 1) / seconds;
  }
  const latency = stats.latency ? ` · step→screen ${stats.latency.median.toFixed(1)} ms` : "";
  $("stats").textContent = `${stats.updatesPerSecond.toFixed(0)} updates/s · ${stats.framesPerSecond.toFixed(0)} frames/s${latency}`;
}

const scratch = document.createElement("canvas");

// ------------------------------------------------------------------ controls

function fillSelect(id, values, label = (v) => String(v)) {
  const select = $(id);
  select.innerHTML = "";
  for (const value of values) {
    const option = document.createElement("option");
    option.value = String(value);
    option.textContent = label(value);
    select.appendChild(option);
  }
}

function applySettings(settings) {
  state.settings = settings;
  writeHash(settings);
  for (const id of ["learning_rate", "optimizer", "l1", "l2", "dropout", "problem", "speed", "points"]) {
    const select = $(id);
    if (![...select.options].some((o) => o.value === String(settings[id]))) {
      const option = document.createElement("option");
      option.value = option.textContent = String(settings[id]);
      select.appendChild(option);
    }
    select.value = String(settings[id]);
  }
  for (const id of ["train_ratio", "noise", "batch_size"]) {
    $(id).value = settings[id];
    $(`${id}-value`).textContent = settings[id];
  }
  $("seed").value = settings.seed;
  buildDatasets(settings);
  buildFeatures(settings);
  buildLayerControls(settings);
}

function buildDatasets(settings) {
  const box = $("datasets");
  box.innerHTML = "";
  for (const name of DATASETS[settings.problem]) {
    const button = document.createElement("button");
    button.title = name;
    button.dataset.dataset = name;
    const sample = state.thumbnails && state.thumbnails[name];
    if (sample) {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 44;
      drawPoints(canvas, sample.points, sample.targets, sample.regression);
      button.appendChild(canvas);
    } else {
      button.textContent = name;
    }
    if (name === settings.dataset) button.classList.add("selected");
    button.addEventListener("click", () => configure({ dataset: name }));
    box.appendChild(button);
  }
}

function buildFeatures(settings) {
  const box = $("features");
  box.innerHTML = "";
  for (const [name, label] of Object.entries(FEATURES)) {
    const row = document.createElement("label");
    const box_ = document.createElement("input");
    box_.type = "checkbox";
    box_.dataset.feature = name;
    box_.checked = settings.features.includes(name);
    box_.addEventListener("change", () => {
      const features = Object.keys(FEATURES).filter((f) => (f === name ? box_.checked : settings.features.includes(f)));
      configure({ features });
    });
    row.append(box_, label);
    box.appendChild(row);
  }
}

function buildLayerControls(settings) {
  $("layer-count").textContent = settings.hidden.length;
  const box = $("layer-controls");
  box.innerHTML = "";
  settings.hidden.forEach((units, i) => {
    const layer = document.createElement("div");
    layer.className = "layer";
    const minus = document.createElement("button");
    minus.textContent = "−";
    minus.title = `one unit fewer in layer ${i + 1}`;
    minus.addEventListener("click", () => units > 1 && configure({ hidden: settings.hidden.map((n, q) => (q === i ? n - 1 : n)) }));
    const plus = document.createElement("button");
    plus.textContent = "+";
    plus.title = `one unit more in layer ${i + 1}`;
    plus.addEventListener("click", () => configure({ hidden: settings.hidden.map((n, q) => (q === i ? n + 1 : n)) }));
    const count = document.createElement("span");
    count.textContent = ` ${units} `;
    const activation = document.createElement("select");
    activation.dataset.layer = i;
    for (const name of ACTIVATIONS) activation.add(new Option(name, name, false, name === settings.activations[i]));
    activation.addEventListener("change", () =>
      configure({ activations: settings.activations.map((a, q) => (q === i ? activation.value : a)) }),
    );
    layer.append(minus, count, plus, document.createElement("br"), activation);
    box.appendChild(layer);
  });
}

function wireControls() {
  fillSelect("learning_rate", CHOICES.learning_rate);
  fillSelect("optimizer", CHOICES.optimizer);
  fillSelect("l1", CHOICES.l1);
  fillSelect("l2", CHOICES.l2);
  fillSelect("dropout", CHOICES.dropout);
  fillSelect("problem", CHOICES.problem);
  fillSelect("speed", CHOICES.speed);
  fillSelect("points", CHOICES.points);
  for (const id of ["learning_rate", "l1", "l2", "dropout", "speed", "points"]) {
    $(id).addEventListener("change", () => configure({ [id]: Number($(id).value) }));
  }
  for (const id of ["optimizer", "problem"]) $(id).addEventListener("change", () => configure({ [id]: $(id).value }));
  for (const id of ["train_ratio", "noise", "batch_size"]) {
    $(id).addEventListener("input", () => ($(`${id}-value`).textContent = $(id).value));
    $(id).addEventListener("change", () => configure({ [id]: Number($(id).value) }));
  }
  $("seed").addEventListener("change", () => configure({ seed: Number($("seed").value) }));
  $("add-layer").addEventListener("click", () => {
    const s = state.settings;
    configure({ hidden: [...s.hidden, 2], activations: [...s.activations, s.activations[s.activations.length - 1] || "tanh"] });
  });
  $("remove-layer").addEventListener("click", () => {
    const s = state.settings;
    if (s.hidden.length) configure({ hidden: s.hidden.slice(0, -1), activations: s.activations.slice(0, -1) });
  });
  $("play").addEventListener("click", () => send({ type: state.playing ? "pause" : "play" }));
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("reset").addEventListener("click", () => send({ type: "reset" }));
  $("inspect").addEventListener("click", () => send({ type: "inspect" }));
  $("bug").addEventListener("change", () => {
    const id = $("bug").value === "" ? null : Number($("bug").value);
    const bug = state.bugs.find((b) => b.id === id);
    $("bug-title").innerHTML = "";
    if (bug) {
      const answer = document.createElement("details");
      answer.innerHTML = "<summary>the answer</summary>";
      answer.append(bug.answer);
      $("bug-title").append(`Planted in the checked backward pass: ${bug.title}.`, answer);
    }
    send({ type: "bug", id });
  });
  $("show-test").addEventListener("change", () => state.frame && (state.pending = state.frame) && requestAnimationFrame(drawPending));
  window.addEventListener("hashchange", () => configure(settingsFromHash()));
}

wireControls();
connect();

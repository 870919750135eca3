// The panels TensorFlow Playground does not have: equations, matrices, provenance, check,
// dynamics. They show what the server computed with chainrule's core; nothing is computed here.

import katex from "/static/katex/katex.mjs";

export function tex(element, latex, display = false) {
  katex.render(latex, element, { throwOnError: false, displayMode: display });
}

const number = (v) => (Math.abs(v) < 1e-4 && v !== 0 ? v.toExponential(2) : Number(v.toPrecision(4)).toString());

// latex name of a matrix name such as "dW[2]" or "A[1]ᵀ"
function latexName(name) {
  const transposed = name.endsWith("ᵀ");
  const bare = name.replace("ᵀ", "");
  const match = bare.match(/^(\w+)\[(\d+)\]$/);
  if (!match) return bare + (transposed ? "^T" : "");
  return `${match[1]}^{[${match[2]}]${transposed ? "T" : ""}}`;
}

function shapeText(shape) {
  return shape.length ? `(${shape.join(", ")})` : "scalar";
}

export function matrixTable(name, M, onCell) {
  const table = document.createElement("table");
  table.className = "matrix";
  table.dataset.matrix = name;
  M.forEach((row, j) => {
    const tr = table.insertRow();
    row.forEach((v, k) => {
      const td = tr.insertCell();
      td.textContent = number(v);
      td.dataset.value = String(v);
      td.title = `${name}_${j + 1}${k + 1} = ${v}`;
      if (onCell) {
        td.classList.add("clickable");
        td.addEventListener("click", () => onCell(j, k));
      }
    });
  });
  return table;
}

function titled(title, latex, table) {
  const box = document.createElement("div");
  const heading = document.createElement("div");
  heading.className = "matrix-title";
  tex(heading, latex);
  heading.append(` ${title}`);
  box.append(heading, table);
  return box;
}

// The matrix a name of the equations refers to, in the last step's data, or null.
export function lookupMatrix(data, name) {
  if (!data) return null;
  const transposed = name.endsWith("ᵀ");
  const bare = name.replace("ᵀ", "");
  let M = null;
  if (bare === "Y") M = data.Y;
  const match = bare.match(/^(\w+)\[(\d+)\]$/);
  if (match) {
    const [, base, index] = match;
    const l = Number(index);
    if (base === "A" && l === 0) M = data.A0;
    else if (l >= 1 && l <= data.layers.length && base in data.layers[l - 1]) M = data.layers[l - 1][base];
  }
  if (M && transposed) M = M[0].map((_, k) => M.map((row) => row[k]));
  return M;
}

export function renderEquations(container, explanation, getMatrices) {
  container.innerHTML = "";
  const sections = [
    ["Forward propagation", explanation.forward],
    ["Cost", explanation.cost],
    ["Backpropagation", explanation.backward],
    ["Update", explanation.update],
  ];
  for (const [title, equations] of sections) {
    const heading = document.createElement("h3");
    heading.textContent = title;
    container.appendChild(heading);
    for (const e of equations) {
      const row = document.createElement("div");
      row.className = "equation";
      row.dataset.label = e.label;
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = e.label;
      const body = document.createElement("div");
      const formula = document.createElement("div");
      tex(formula, e.latex);
      const shapes = document.createElement("div");
      shapes.className = "shapes";
      shapes.textContent = Object.entries(e.shapes || {})
        .map(([name, shape]) => `${name}: ${shapeText(shape)}`)
        .join(", ");
      const filled = document.createElement("div");
      filled.className = "filled";
      body.append(formula, shapes, filled);
      row.append(label, body);
      row.addEventListener("click", () =>
        getMatrices((data) => {
          filled.innerHTML = "";
          for (const name of Object.keys(e.shapes || {})) {
            const M = lookupMatrix(data, name);
            if (M) filled.appendChild(titled(`step ${data.step}`, latexName(name), matrixTable(name, M)));
          }
        }),
      );
      container.appendChild(row);
    }
  }
  if (explanation.notes) {
    const notes = document.createElement("p");
    notes.className = "hint";
    notes.textContent = explanation.notes;
    container.appendChild(notes);
  }
}

export function renderMatrices(container, data, onWeight) {
  container.innerHTML = "";
  const summary = document.createElement("p");
  summary.textContent = `Step ${data.step}: a batch of m = ${data.m} training examples (columns), ${data.optimizer}, α = ${data.learning_rate}.`;
  container.appendChild(summary);
  container.appendChild(titled("the batch's features", "A^{[0]} = X", matrixTable("A[0]", data.A0)));
  container.appendChild(titled("the batch's targets", "Y", matrixTable("Y", data.Y)));
  for (const layer of data.layers) {
    const l = layer.l;
    const entries = [
      ["W", `W^{[${l}]}`, "before the step", true],
      ["b", `b^{[${l}]}`, "before the step", false],
      ["Z", `Z^{[${l}]} = W^{[${l}]} A^{[${l - 1}]} + b^{[${l}]}`, "(F1)", false],
      ["A", `A^{[${l}]} = g^{[${l}]}(Z^{[${l}]})`, l === data.layers.length ? "(F3)" : "(F2)", false],
      ["dA", `dA^{[${l}]} = W^{[${l + 1}]T} dZ^{[${l + 1}]}`, "(B4)", false],
      ["g_prime", `g'(Z^{[${l}]})`, "(B4's factor)", false],
      ["dZ", l === data.layers.length ? `dZ^{[${l}]} = \\tfrac{1}{m}(A^{[${l}]} - Y)` : `dZ^{[${l}]} = dA^{[${l}]} \\odot g'(Z^{[${l}]})`, l === data.layers.length ? "(B1)" : "(B4)", false],
      ["dW", `dW^{[${l}]} = dZ^{[${l}]} A^{[${l - 1}]T}`, "(B2), click an entry", true],
      ["db", `db^{[${l}]} = \\textstyle\\sum_i dZ^{[${l}]}`, "(B3)", false],
      ["W_next", `W^{[${l}]}`, `after the update (${data.optimizer})`, false],
      ["b_next", `b^{[${l}]}`, `after the update (${data.optimizer})`, false],
    ];
    for (const [key, latex, title, clickable] of entries) {
      if (!(key in layer)) continue;  // dA and g'(Z) belong to hidden layers only
      const name = `${key}[${l}]`;
      const table = matrixTable(name, layer[key], clickable ? (j, k) => onWeight(l, j, k) : null);
      container.appendChild(titled(title, latex, table));
    }
  }
}

export function renderProvenance(container, p) {
  container.innerHTML = "";
  const [l, j, k] = [p.l, p.j + 1, p.k + 1];
  const head = document.createElement("div");
  tex(head, `dW^{[${l}]}_{${j}${k}} = \\sum_i dZ^{[${l}]}_{${j}i}\\, A^{[${l - 1}]}_{${k}i}` +
    (p.l2_term ? " + \\tfrac{\\lambda}{m} W_{jk}" : "") + (p.l1_term ? " + \\tfrac{\\lambda_1}{m} \\operatorname{sign}(W_{jk})" : ""), true);
  container.appendChild(head);
  const table = document.createElement("table");
  table.className = "provenance";
  const header = table.insertRow();
  for (const text of ["i", `dZ[${l}]_${j}i`, `A[${l - 1}]_${k}i`, "product"]) header.insertCell().textContent = text;
  p.terms.forEach((term, i) => {
    const tr = table.insertRow();
    tr.insertCell().textContent = i + 1;
    tr.insertCell().textContent = number(p.dZ[i]);
    tr.insertCell().textContent = number(p.A_prev[i]);
    tr.insertCell().textContent = number(term);
  });
  container.appendChild(table);
  const total = p.sum + p.l2_term + p.l1_term;
  const result = document.createElement("p");
  result.id = "provenance-result";
  result.dataset.sum = String(total);
  result.dataset.dw = String(p.dW);
  const penalties = (p.l2_term ? ` + L2 ${number(p.l2_term)}` : "") + (p.l1_term ? ` + L1 ${number(p.l1_term)}` : "");
  const same = Math.abs(total - p.dW) <= 1e-12 * Math.max(1, Math.abs(p.dW));
  result.innerHTML = `sum ${number(p.sum)}${penalties} = <b>${number(total)}</b>; the library's dW[${l}]_${j}${k} = <b>${number(p.dW)}</b> ` +
    (same ? '<span class="equal">equal</span>' : "");
  container.appendChild(result);
}

export function renderCheck(container, verdict, check) {
  container.innerHTML = "";
  const table = document.createElement("table");
  table.className = "check";
  const header = table.insertRow();
  for (const text of ["parameter", "relative error", ""]) header.insertCell().textContent = text;
  let failed = false;
  for (const [name, r] of Object.entries(check.parameters)) {
    const tr = table.insertRow();
    tr.dataset.parameter = name;
    const status = r.pass ? "pass" : r.kink ? "kink" : "fail";
    failed ||= status === "fail";
    tr.className = status;
    tr.insertCell().textContent = name;
    tr.insertCell().textContent = r.error.toExponential(1);
    tr.insertCell().textContent = status === "pass" ? "ok" : status === "kink" ? "at a relu kink: not decided" : "WRONG";
  }
  container.appendChild(table);
  const note = document.createElement("p");
  note.className = "hint";
  note.textContent = `Step ${check.step}: backpropagation against four-point finite differences on the last batch (float64), tolerance ${check.tolerance}.` +
    (check.bug ? ` Bug ${check.bug} is planted in the checked backward pass.` : "");
  container.appendChild(note);
  verdict.textContent = failed ? "gradient wrong" : "gradient right";
  verdict.className = `verdict ${failed ? "fail" : "pass"}`;
  verdict.dataset.verdict = failed ? "fail" : "pass";
}

export function renderDynamics(container, dynamics) {
  container.innerHTML = "";
  const table = document.createElement("table");
  table.className = "dynamics";
  const header = table.insertRow();
  for (const text of ["layer", "‖dW‖", "update ‖ΔW‖/‖W‖", "dead or saturated units", "mean g'(Z)", "saturated entries"])
    header.insertCell().textContent = text;
  for (const d of dynamics) {
    const tr = table.insertRow();
    tr.insertCell().textContent = d.l;
    tr.insertCell().textContent = d.grad_norm.toExponential(2);
    tr.insertCell().textContent = d.update_ratio.toExponential(2);
    tr.insertCell().textContent = d.dead_fraction === null ? "output" : `${Math.round(100 * d.dead_fraction)}% ${d.kind}`;
    tr.insertCell().textContent = d.gain === null ? "" : d.gain.toFixed(3);
    tr.insertCell().textContent = d.saturation === null ? "" : `${Math.round(100 * d.saturation)}%`;
  }
  container.appendChild(table);
}

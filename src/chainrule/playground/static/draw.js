// Drawing only: maps, points, curves and the network. Every number drawn came from the server.

const ORANGE = [245, 147, 34];
const WHITE = [232, 234, 235];
const BLUE = [8, 119, 189];

// byte 0..255 stands for -1..1: orange through white to blue, as TensorFlow Playground colours
const PALETTE = new Uint8ClampedArray(256 * 4);
for (let q = 0; q < 256; q++) {
  const v = (q / 255) * 2 - 1;
  const [from, to, t] = v < 0 ? [WHITE, ORANGE, -v] : [WHITE, BLUE, v];
  for (let c = 0; c < 3; c++) PALETTE[4 * q + c] = from[c] + (to[c] - from[c]) * t;
  PALETTE[4 * q + 3] = 255;
}

export function colourOf(v) {
  const q = Math.max(0, Math.min(255, Math.round(((v + 1) / 2) * 255)));
  return `rgb(${PALETTE[4 * q]},${PALETTE[4 * q + 1]},${PALETTE[4 * q + 2]})`;
}

export function decode(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

// a density x density map of bytes into the canvas (whose width and height are density)
export function paintMap(canvas, bytes, density) {
  const context = canvas.getContext("2d");
  const image = context.createImageData(density, density);
  const pixels = image.data;
  for (let i = 0; i < bytes.length; i++) pixels.set(PALETTE.subarray(4 * bytes[i], 4 * bytes[i] + 4), 4 * i);
  context.putImageData(image, 0, 0);
}

const RADIUS = 6;

export function drawOutput(canvas, scratch, bytes, density, points, targets, showTest, regression) {
  scratch.width = scratch.height = density;
  paintMap(scratch, bytes, density);
  const context = canvas.getContext("2d");
  const size = canvas.width;
  context.imageSmoothingEnabled = true;
  context.drawImage(scratch, 0, 0, size, size);
  const toPixel = (x) => ((x + RADIUS) / (2 * RADIUS)) * size;
  const parts = showTest ? ["train", "test"] : ["train"];
  for (const part of parts) {
    const [x1, x2] = points[part];
    const y = targets[part];
    context.strokeStyle = part === "train" ? "#fff" : "#000";
    for (let i = 0; i < y.length; i++) {
      context.beginPath();
      context.arc(toPixel(x1[i]), size - toPixel(x2[i]), 3, 0, 2 * Math.PI);
      context.fillStyle = colourOf(regression ? y[i] : 2 * y[i] - 1);
      context.fill();
      context.stroke();
    }
  }
}

// a data set's points alone, for its button
export function drawPoints(canvas, points, targets, regression) {
  const context = canvas.getContext("2d");
  const size = canvas.width;
  context.fillStyle = "#fff";
  context.fillRect(0, 0, size, size);
  const [x1, x2] = points;
  for (let i = 0; i < targets.length; i++) {
    context.fillStyle = colourOf(regression ? targets[i] : 2 * targets[i] - 1);
    context.fillRect(((x1[i] + RADIUS) / (2 * RADIUS)) * size - 1, size - ((x2[i] + RADIUS) / (2 * RADIUS)) * size - 1, 2.5, 2.5);
  }
}

export function drawCurve(canvas, history) {
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  if (history.length < 2) return;
  let top = 0;
  for (const h of history) top = Math.max(top, h.train, h.test);
  top = top || 1;
  const first = history[0].step;
  const span = Math.max(1, history[history.length - 1].step - first);
  for (const [key, colour] of [["test", "#333"], ["train", "#999"]]) {
    context.beginPath();
    context.strokeStyle = colour;
    history.forEach((h, i) => {
      const x = ((h.step - first) / span) * (width - 2) + 1;
      const y = height - 2 - (h[key] / top) * (height - 6);
      if (i === 0) context.moveTo(x, y);
      else context.lineTo(x, y);
    });
    context.stroke();
  }
}

const UNIT = 36;
const GAP = 96;
const ROW = 48;

// The network: a canvas per unit (its map), an SVG path per weight. Built once per set-up.
export class NetworkDrawing {
  constructor(container, layerSizes, featureNames, density, onLink) {
    this.container = container;
    this.sizes = layerSizes;
    this.density = density;
    container.innerHTML = "";
    const columns = layerSizes.length;
    const tallest = Math.max(...layerSizes);
    const width = 70 + columns * GAP;
    const height = tallest * ROW + 10;
    container.style.width = `${width}px`;
    container.style.height = `${height}px`;
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    container.appendChild(svg);
    this.position = (l, j) => [70 + l * GAP, 5 + j * ROW + ((tallest - layerSizes[l]) * ROW) / 2];
    this.units = layerSizes.map((n, l) =>
      Array.from({ length: n }, (_, j) => {
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = density;
        canvas.className = "unit";
        canvas.dataset.unit = `${l}-${j}`;
        const [x, y] = this.position(l, j);
        canvas.style.left = `${x}px`;
        canvas.style.top = `${y}px`;
        container.appendChild(canvas);
        return canvas;
      }),
    );
    featureNames.forEach((name, k) => {
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = name;
      const [x, y] = this.position(0, k);
      label.style.left = `${x - 62}px`;
      label.style.top = `${y + 10}px`;
      container.appendChild(label);
    });
    this.links = [];
    for (let l = 1; l < columns; l++) {
      const rows = [];
      for (let j = 0; j < layerSizes[l]; j++) {
        const row = [];
        for (let k = 0; k < layerSizes[l - 1]; k++) {
          const [x0, y0] = this.position(l - 1, k);
          const [x1, y1] = this.position(l, j);
          const d = `M${x0 + UNIT},${y0 + UNIT / 2} C${(x0 + x1 + UNIT) / 2},${y0 + UNIT / 2} ${(x0 + x1 + UNIT) / 2},${y1 + UNIT / 2} ${x1},${y1 + UNIT / 2}`;
          const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
          path.setAttribute("d", d);
          path.setAttribute("class", "link");
          const hit = document.createElementNS("http://www.w3.org/2000/svg", "path");
          hit.setAttribute("d", d);
          hit.setAttribute("class", "hit");
          hit.dataset.weight = `${l}-${j}-${k}`;
          hit.addEventListener("click", () => onLink(l, j, k));
          const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
          hit.appendChild(title);
          svg.appendChild(path);
          svg.appendChild(hit);
          row.push({ path, title });
        }
        rows.push(row);
      }
      this.links.push(rows);
    }
  }

  inputs(maps) {
    maps.forEach((map, k) => paintMap(this.units[0][k], map, this.density));
  }

  update(frame) {
    frame.maps.forEach((layer, i) => layer.forEach((map, j) => paintMap(this.units[i + 1][j], decode(map), this.density)));
    frame.W.forEach((W, i) =>
      W.forEach((row, j) =>
        row.forEach((w, k) => {
          const { path, title } = this.links[i][j][k];
          path.setAttribute("stroke", w >= 0 ? "#0877bd" : "#f59322");
          path.setAttribute("stroke-width", Math.min(8, 0.5 + 2 * Math.abs(w)).toFixed(2));
          title.textContent = `W[${i + 1}]_${j + 1}${k + 1} = ${w.toPrecision(4)}`;
        }),
      ),
    );
  }
}

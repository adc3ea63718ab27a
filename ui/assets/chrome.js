// The few English words Streamlit's own frontend draws (upload box, sidebar and full-screen
// buttons, table tool bar) said in Spanish; Enter in a date field applies the date (as leaving the
// field does); in Modo reunión the arrow and page keys change slides. Installed once per tab.
(function () {
  if (window.__tableroChrome) return;
  window.__tableroChrome = true;

  const TEXTS = [
    [/^Drag and drop (a file|files) here$/, "Arrastre el archivo aquí"],
    [/^Drag and drop directories here$/, "Arrastre la carpeta aquí"],
    [/^Upload$/, "Buscar archivo"],
    [/^(\d+)MB per file/, (m, mb) => `Hasta ${mb} MB por archivo`],
    [/^Browse files$/, "Buscar archivo"],
  ];
  const LABEL_PATTERNS = [[/^Help for (.*)$/, (m, what) => `Ayuda sobre ${what}`]];
  const LABELS = {
    "Collapse sidebar": "Ocultar el menú lateral",
    "Expand sidebar": "Mostrar el menú lateral",
    "Fullscreen": "Pantalla completa",
    "Close fullscreen": "Salir de pantalla completa",
    "Search": "Buscar",
    "Show/hide columns": "Mostrar u ocultar columnas",
    "Download as CSV": "Descargar CSV",
    "Clear file": "Quitar el archivo",
    "Remove file": "Quitar el archivo",
    "Choose date": "Elegir la fecha",
    "Sidebar": "Menú lateral",
    "Show password": "Mostrar la contraseña",
    "Hide password": "Ocultar la contraseña",
  };

  function translate(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.nodeValue.trim();
      if (!text || text.length > 60) continue;
      if (LABELS[text]) { node.nodeValue = LABELS[text]; continue; }  // the same words as tooltips
      for (const [pattern, spanish] of TEXTS) {
        if (pattern.test(text)) { node.nodeValue = text.replace(pattern, spanish); break; }
      }
    }
    for (const el of root.querySelectorAll ? root.querySelectorAll("[aria-label], [title], [data-title]") : []) {
      for (const attr of ["aria-label", "title", "data-title"]) {
        const value = el.getAttribute(attr);
        if (!value) continue;
        if (LABELS[value]) { el.setAttribute(attr, LABELS[value]); continue; }
        for (const [pattern, spanish] of LABEL_PATTERNS)
          if (pattern.test(value)) el.setAttribute(attr, value.replace(pattern, spanish));
      }
    }
  }
  translate(document.body);
  new MutationObserver(records => {
    for (const r of records) {
      if (r.type === "characterData" && r.target.parentNode) translate(r.target.parentNode);
      for (const n of r.addedNodes) translate(n.nodeType === 1 ? n : n.parentNode || document.body);
      if (r.type === "attributes") translate(r.target.parentNode || document.body);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true,
                             attributes: true, attributeFilter: ["aria-label", "title", "data-title"]});

  const sink = document.createElement("span");
  sink.tabIndex = -1;
  sink.setAttribute("aria-hidden", "true");
  sink.style.cssText = "position:fixed;width:1px;height:1px;overflow:hidden;outline:none;left:0;top:0";
  document.body.appendChild(sink);

  document.addEventListener("keydown", event => {
    const target = event.target;
    if (event.key === "Enter" && target.closest && target.closest('[data-testid="stDateInput"]')) {
      // The date field applies a typed date when the focus moves out of it (and out of its calendar):
      // Enter moves the focus to a quiet spot just outside, as Tab would.
      event.preventDefault();
      sink.focus({preventScroll: true});
      return;
    }
    if (target.closest && target.closest("input, textarea, select, [contenteditable=true], [role=listbox], [role=spinbutton]")) return;
    const step = {ArrowRight: "adelante", PageDown: "adelante", ArrowLeft: "atras", PageUp: "atras"}[event.key];
    const button = step && document.querySelector(`.st-key-reunion_${step} button`);
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  }, true);
})();

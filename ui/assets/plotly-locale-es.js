// Plotly's "es" locale for the charts of the tablero, shipped with the app (no CDN): the texts of the
// tool bar and the date formats the charts use. Registered with Plotly.register when Plotly is
// already loaded, else through window.PlotlyLocales, which Plotly reads when it loads.
(function () {
  const locale = {
    moduleType: "locale",
    name: "es",
    dictionary: {
      "Autoscale": "Ajustar escala",
      "Box Select": "Seleccionar con un rectángulo",
      "Compare data on hover": "Comparar datos al pasar el cursor",
      "Double-click on legend to isolate one trace": "Doble clic en la leyenda para ver solo una serie",
      "Double-click to zoom back out": "Doble clic para volver a la escala inicial",
      "Download plot as a png": "Descargar la gráfica como PNG",
      "Download plot as a PNG": "Descargar la gráfica como PNG",
      "Download plot as a SVG": "Descargar la gráfica como SVG",
      "Download plot": "Descargar la gráfica",
      "Lasso Select": "Seleccionar con lazo",
      "Pan": "Desplazar",
      "Produced with Plotly.js": "Hecho con Plotly.js",
      "Reset": "Restablecer",
      "Reset axes": "Restablecer ejes",
      "Reset view": "Restablecer vista",
      "Reset views": "Restablecer vistas",
      "Show closest data on hover": "Mostrar el dato más cercano al cursor",
      "Snapshot succeeded": "Imagen descargada",
      "Sorry, there was a problem downloading your snapshot!": "No se pudo descargar la imagen.",
      "Taking snapshot - this may take a few seconds": "Generando la imagen; puede tardar unos segundos",
      "Toggle Spike Lines": "Mostrar u ocultar guías",
      "Toggle show closest data on hover": "Mostrar u ocultar el dato más cercano al cursor",
      "Zoom": "Ampliar una zona",
      "Zoom in": "Acercar",
      "Zoom out": "Alejar",
      "trace": "serie"
    },
    format: {
      days: ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
      shortDays: ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"],
      months: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
               "octubre", "noviembre", "diciembre"],
      shortMonths: ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
      date: "%d/%m/%Y",
      decimal: ",",
      thousands: "."
    }
  };
  if (window.Plotly && window.Plotly.register) {
    window.Plotly.register(locale);
  } else {
    window.PlotlyLocales = (window.PlotlyLocales || []).concat([locale]);
  }
})();

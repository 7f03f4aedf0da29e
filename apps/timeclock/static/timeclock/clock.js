// The clock page: fill the self-punch form's position from the browser (optional: a refusal or a
// browser without geolocation sends no coordinates), and let the kiosk's search box pick a person.
(function () {
  "use strict";
  var form = document.getElementById("self-punch");
  var note = document.getElementById("self-position");
  if (form && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(6);
      form.elements.lng.value = position.coords.longitude.toFixed(6);
      form.elements.accuracy_m.value = Math.round(position.coords.accuracy);
      if (note) { note.textContent = "Position found (accuracy " + Math.round(position.coords.accuracy) + " m)."; }
    }, function () {
      if (note) { note.textContent = "No position from the browser: the punch is recorded without one."; }
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
  var search = document.getElementById("kiosk-person-search");
  var select = document.getElementById("kiosk-person");
  var list = document.getElementById("kiosk-people");
  if (search && select && list) {
    search.addEventListener("change", function () {
      for (var i = 0; i < list.options.length; i++) {
        if (list.options[i].value === search.value) { select.value = list.options[i].dataset.id; }
      }
    });
  }
})();

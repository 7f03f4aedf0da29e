// The task page's check-in: ask the browser for the position (Geolocation API), then post it; the server
// checks it against the workplace's geofence exactly as the API does and shows its refusal on the page.
(function () {
  "use strict";
  var form = document.getElementById("task-check-in");
  var note = document.getElementById("task-check-in-note");
  if (!form) { return; }
  form.addEventListener("submit", function (event) {
    if (form.elements.lat.value) { return; }
    event.preventDefault();
    if (!navigator.geolocation) {
      note.textContent = "This browser cannot give a position: check in from the mobile app.";
      return;
    }
    note.textContent = "Finding your position…";
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(6);
      form.elements.lng.value = position.coords.longitude.toFixed(6);
      form.elements.accuracy_m.value = Math.round(position.coords.accuracy);
      form.submit();
    }, function (error) {
      note.textContent = "No position (" + error.message + "): allow location for this page and try again.";
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
  });
})();

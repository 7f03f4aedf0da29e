// The perform page's signature pad: draw with a finger, a pen or the mouse; on submit the drawing goes in
// `signature_data_url` as a PNG (the server checks its bytes and stores it as the inspection's signature).
// Without JavaScript the pad stays hidden and the image upload below it still works.
(function () {
  "use strict";
  var pad = document.getElementById("signature-pad");
  if (!pad || !pad.getContext) { return; }
  var box = document.getElementById("signature-box");
  var field = document.getElementById("signature-data-url");
  var clear = document.getElementById("signature-clear");
  var context = pad.getContext("2d");
  var drawing = false;
  var drawn = false;
  box.hidden = false;
  context.lineWidth = 2.5;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.strokeStyle = "#111";

  function point(event) {
    var rect = pad.getBoundingClientRect();
    return { x: (event.clientX - rect.left) * (pad.width / rect.width),
             y: (event.clientY - rect.top) * (pad.height / rect.height) };
  }
  pad.addEventListener("pointerdown", function (event) {
    drawing = true;
    pad.setPointerCapture(event.pointerId);
    var p = point(event);
    context.beginPath();
    context.moveTo(p.x, p.y);
    event.preventDefault();
  });
  pad.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    var p = point(event);
    context.lineTo(p.x, p.y);
    context.stroke();
    drawn = true;
  });
  function stop() { drawing = false; }
  pad.addEventListener("pointerup", stop);
  pad.addEventListener("pointercancel", stop);
  clear.addEventListener("click", function () {
    context.clearRect(0, 0, pad.width, pad.height);
    drawn = false;
    field.value = "";
  });
  pad.closest("form").addEventListener("submit", function () {
    field.value = drawn ? pad.toDataURL("image/png") : "";
  });
})();

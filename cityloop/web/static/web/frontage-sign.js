// The party signs its responsibility letter with a finger (or mouse) on a canvas; the drawing is
// sent as a PNG data URL in the form's hidden "signature" field. No drawing, no submit.
(function () {
  "use strict";

  function setUp(form) {
    var canvas = form.querySelector("[data-signature-pad]");
    var field = form.querySelector("[data-signature]");
    var clear = form.querySelector("[data-signature-clear]");
    if (!canvas || !field) return;
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;

    function scale() {
      // Draw at the device's pixel density so the signature is crisp, in CSS pixels.
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      drawn = false;
    }

    function at(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }

    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = at(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      ctx.lineTo(p.x + 0.1, p.y + 0.1);
      ctx.stroke();
      drawn = true;
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = at(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      event.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
      });
    }
    form.addEventListener("submit", function (event) {
      if (!drawn) {
        event.preventDefault();
        canvas.focus();
        canvas.classList.add("empty");
        return;
      }
      field.value = canvas.toDataURL("image/png");
    });
    scale();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-sign-form]").forEach(setUp);
  });
})();

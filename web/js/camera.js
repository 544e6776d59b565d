// The camera and QR reading that the verifier page and the resident's page
// share: whether the browser can read QR codes at all, the camera capability
// code each page explains, and the loop that looks at video frames until a
// code a page accepts appears. The pages keep their own notes and buttons.

/** Whether this browser's BarcodeDetector reads QR codes. */
export async function qrSupport() {
  if (!('BarcodeDetector' in window)) return false;
  try {
    return (await window.BarcodeDetector.getSupportedFormats()).includes('qr_code');
  } catch {
    return false;
  }
}

/** 'ok', or the i18n key of why the camera cannot be used. */
export function cameraCapability(qr) {
  if (!qr) return 'cameraUnsupported';
  if (!window.isSecureContext) return 'cameraInsecure';
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return 'cameraUnsupported';
  return 'ok';
}

/** The first detected text `preferred` accepts, else the first text, else null. */
export function pickCode(codes, preferred) {
  const values = codes.map((c) => c.rawValue).filter((v) => typeof v === 'string');
  return values.find(preferred) ?? values[0] ?? null;
}

/**
 * Opens the back camera into `video` and looks at a frame every 150 ms until
 * `pick` returns a text; then stops and calls `onText`. Returns the session
 * to pass to closeCamera, or null when the camera was refused.
 */
export async function openCamera(video, detector, pick, onText) {
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
  } catch {
    return null;
  }
  video.srcObject = stream;
  const session = { stream, timer: null, open: true };
  const look = async () => {
    if (!session.open) return;
    try {
      if (video.readyState >= 2) {
        const text = pick(await detector.detect(video));
        if (text) {
          await onText(text);
          return;
        }
      }
    } catch {
      // a frame that cannot be read: try the next one
    }
    session.timer = setTimeout(look, 150);
  };
  session.start = async () => {
    try {
      await video.play();
    } catch {
      // autoplay of a muted inline video is allowed; keep scanning anyway
    }
    look();
  };
  return session;
}

/** Stops the camera of a session from openCamera. */
export function closeCamera(session, video) {
  if (!session) return;
  session.open = false;
  clearTimeout(session.timer);
  for (const track of session.stream.getTracks()) track.stop();
  video.srcObject = null;
}

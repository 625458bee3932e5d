// The person's CCTV wall, shared by the wall page and the map's "put on the wall" buttons.
// A wall open in another tab or window (often a second screen) hears of changes at once.
import { post, request } from "../api.js";

const CHANNEL = "d112-wall";
const channel = "BroadcastChannel" in window ? new BroadcastChannel(CHANNEL) : null;

export async function addToWall(url, cameraIds, position = 0) {
  const result = await post(url, { cameras: cameraIds, position });
  if (result.ok && channel) channel.postMessage({ type: "layout", layout: result.data });
  return result;
}

export async function saveLayout(url, layout) {
  const result = await request("PUT", url, layout);
  if (result.ok && channel) channel.postMessage({ type: "layout", layout: result.data });
  return result;
}

export function onLayoutChange(callback) {
  if (channel) channel.addEventListener("message", (event) => { if (event.data?.type === "layout") callback(event.data.layout); });
}

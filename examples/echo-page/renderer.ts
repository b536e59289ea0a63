// The page: send a greeting, print the echo, then close the window (and so end the app).
import ipc from "ipc";

ipc.on("message", (message: string) => {
  console.log("Received message", message);
  close();
});

ipc.send("Hello world");

// The page blocks until the browser answers, then prints what it got.
import ipc from "ipc";

const data = ipc.sendSync("data") as string;
console.log(data.toUpperCase());
close();

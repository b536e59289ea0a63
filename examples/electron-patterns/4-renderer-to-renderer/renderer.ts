// Both windows' own script: everything happens in their preloads, over the port.
console.log("renderer loaded");

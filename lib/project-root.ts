// The project's root folder (the one holding cdktf.json), found from a
// module's own location: the same from the TypeScript sources (jest) and from
// the esbuild bundles under .build/run (npm run ...).
import * as fs from "fs";
import * as path from "path";

export function projectRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, "cdktf.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no cdktf.json above ${start}`);
    dir = parent;
  }
}

// The Transfer stand-in's LOGICAL home (emulator/transfer-stand-in/logical-home.ts):
// the identity provider's HomeDirectoryDetails read as Transfer documents them,
// and client paths mapped onto S3 without ever leaving the mapped tree.
import { absolute, parseLogicalHome, resolve } from "../emulator/transfer-stand-in/logical-home";

describe("parseLogicalHome", () => {
  it("reads the chroot the project's identity provider answers", () => {
    expect(parseLogicalHome(JSON.stringify([{ Entry: "/", Target: "/bucket/home/alice" }]))).toEqual([{ entry: "/", bucket: "bucket", prefix: "home/alice" }]);
  });

  it.each([
    [undefined, /missing/],
    ["not json", /not JSON/],
    ["[]", /non-empty list/],
    [JSON.stringify([{ Entry: "x", Target: "/b/p" }]), /Entry "x" must start with \//],
    [JSON.stringify([{ Entry: "/", Target: "b/p" }]), /must start with \/ and not end with \//],
    [JSON.stringify([{ Entry: "/", Target: "/b/p/" }]), /must start with \/ and not end with \//],
    [JSON.stringify([{ Entry: "/", Target: "/b/p" }, { Entry: "/x", Target: "/b/q" }]), /Entry "\/" must be the only mapping/],
  ])("refuses %s", (details, message) => {
    expect(parseLogicalHome(details)).toEqual(expect.stringMatching(message));
  });
});

describe("resolve and absolute", () => {
  const chroot = [{ entry: "/", bucket: "bucket", prefix: "home/alice" }];

  it("maps paths below the home, and '..' never climbs out of it", () => {
    expect(resolve(chroot, absolute("/", "test.txt"))).toEqual({ kind: "s3", bucket: "bucket", key: "home/alice/test.txt", mappingRoot: false });
    expect(resolve(chroot, absolute("/docs", "../../../home/bob/x"))).toEqual({ kind: "s3", bucket: "bucket", key: "home/alice/home/bob/x", mappingRoot: false });
    expect(resolve(chroot, absolute("/", "/"))).toEqual({ kind: "s3", bucket: "bucket", key: "home/alice", mappingRoot: true });
  });

  it("shows the folders above several mappings as a virtual tree, and nothing else", () => {
    const tree = [
      { entry: "/pics", bucket: "b1", prefix: "pics" },
      { entry: "/reports/q1", bucket: "b2", prefix: "" },
    ];
    expect(resolve(tree, "/")).toEqual({ kind: "virtual", children: ["pics", "reports"] });
    expect(resolve(tree, "/reports")).toEqual({ kind: "virtual", children: ["q1"] });
    expect(resolve(tree, "/reports/q1/a.csv")).toEqual({ kind: "s3", bucket: "b2", key: "a.csv", mappingRoot: false });
    expect(resolve(tree, "/other")).toBeUndefined();
  });
});

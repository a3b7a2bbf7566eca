"""OS-level confinement of a forked child that runs untrusted student code.

The child calls `confine` right after the fork, before any student code runs; the parent puts
the child in a `Cgroup` (when cgroups are writable) and enforces the wall clock with `watch`,
which also says which limit ended the run. Every protection is best effort: `confine` returns
the names of those actually active, and `probe_protections` reports them for a run header.

Protection names: new-session, pdeathsig, rlimits, memory, processes, no_new_privs,
landlock-fs, landlock-net, landlock-scope, caps-dropped, seccomp, fds-closed.
"""

from __future__ import annotations

import ctypes
import enum
import errno
import json
import os
import platform
import resource
import select
import signal
import site
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

MiB = 2**20
GiB = 2**30

# A child that catches MemoryError (the RLIMIT_DATA limit) should exit with this code, so that
# `watch` can report "memory" when no memory cgroup is there to say so.
MEMORY_ERROR_EXIT_CODE = 86


@dataclass(frozen=True)
class Limits:
    wall_s: float = 120.0
    cpu_s: float = 120.0
    memory_bytes: int = 4 * GiB
    file_size_bytes: int = 64 * MiB
    max_pids: int = 64               # processes and threads together
    output_bytes: int = 1 * MiB      # captured stdout + stderr


class LimitHit(enum.Enum):
    """Which limit ended a run; the value is the phrase the judge shows to the student."""
    WALL_TIME = "wall time"
    CPU_TIME = "cpu time"
    MEMORY = "memory"
    PIDS = "processes"
    FILE_SIZE = "file size"
    OUTPUT = "output"


# When several limits were hit, the first of these names the cause (a fork bomb also runs out
# the clock, a memory hog may also be killed by it).
_CAUSE_ORDER = (LimitHit.MEMORY, LimitHit.PIDS, LimitHit.CPU_TIME, LimitHit.FILE_SIZE,
                LimitHit.OUTPUT, LimitHit.WALL_TIME)

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int


def _syscall(number: int, *args) -> int:
    result = _libc.syscall(ctypes.c_long(number), *(ctypes.c_long(a) if isinstance(a, int) else a for a in args))
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


def _prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    result = _libc.prctl(option, ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), ctypes.c_ulong(arg4),
                         ctypes.c_ulong(arg5))
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


PR_SET_PDEATHSIG, PR_SET_SECUREBITS, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 28, 24, 38
PR_SET_SECCOMP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 22, 47, 4


# --- confine: called in the child -----------------------------------------------------------
def confine(workdir: Path, limits: Limits, *, readable: list[Path], writable: list[Path],
            keep_fds: Iterable[int] | None = None) -> list[str]:
    """Confine the calling process (a freshly forked, single-threaded child); irreversible.

    The child becomes the leader of a new session (so the parent can kill its whole process
    group), gets rlimits, no_new_privs, Landlock (read-only: `readable` plus what Python and
    torch need, see `runtime_readable_paths`; read-write: `workdir` and `writable`; TCP denied),
    no capabilities, and a seccomp filter (no new sockets but AF_UNIX, no connect/bind/listen,
    no ptrace/mount/namespaces/setsid; no new processes unless a pids cgroup bounds them).
    With `keep_fds`, every other descriptor but 0, 1 and 2 is closed first.
    Put the child in its cgroup (`Cgroup.add`) before calling this. Returns the active protections.
    """
    if len(os.listdir("/proc/self/task")) > 1:
        raise RuntimeError("confine() must run in a single-threaded process (Landlock binds one thread)")
    active: list[str] = []
    workdir = Path(workdir)
    os.chdir(workdir)
    if keep_fds is not None:
        _close_fds_except({0, 1, 2, *keep_fds})
        active.append("fds-closed")
    try:
        os.setsid()
        active.append("new-session")
    except OSError:
        if os.getpgid(0) == os.getpid():
            active.append("new-session")
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # if the zygote dies, its children die with it
        active.append("pdeathsig")
    except OSError:
        pass
    active += _set_rlimits(limits)
    try:
        # Python starts with SIGXFSZ ignored (writes then fail with EFBIG); by default the
        # signal ends the process, and the parent can name the limit.
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    except (ValueError, OSError):
        pass
    pids_bounded = own_pids_limit() is not None
    try:
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        active.append("no_new_privs")
    except OSError:
        pass
    active += _landlock([*runtime_readable_paths(), *map(Path, readable)], [workdir, *map(Path, writable)])
    if _drop_capabilities():
        active.append("caps-dropped")
    # Without a pids cgroup nothing bounds forks (RLIMIT_NPROC ignores root): forbid them.
    seccomp_on = _seccomp(deny_new_processes=not pids_bounded)
    if seccomp_on:
        active.append("seccomp")
    if pids_bounded or seccomp_on:
        active.append("processes")
    return active


def _close_fds_except(keep: set[int]) -> None:
    low = 0
    for fd in sorted(keep):
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, resource.getrlimit(resource.RLIMIT_NOFILE)[1])


def _vm_data_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    return 0


def _set_rlimits(limits: Limits) -> list[str]:
    cpu = max(1, int(limits.cpu_s + 0.999))
    wanted = [
        (resource.RLIMIT_CPU, cpu, cpu + 1),           # SIGXCPU first, SIGKILL a second later
        (resource.RLIMIT_FSIZE, limits.file_size_bytes, limits.file_size_bytes),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_NOFILE, 256, 256),
    ]
    done = True
    for which, soft, hard in wanted:
        try:
            resource.setrlimit(which, (soft, hard))
        except (OSError, ValueError):
            done = False
    active = ["rlimits"] if done else []
    # RLIMIT_AS would break the CUDA build of torch (it reserves gigabytes of address space);
    # RLIMIT_DATA counts private writable memory, and the forked child already holds the
    # zygote's, so the budget is counted on top of what it inherits.
    data = _vm_data_bytes() + limits.memory_bytes
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (data, data))
        active.append("memory")
    except (OSError, ValueError):
        pass
    return active


# --- Landlock ---------------------------------------------------------------------------------
_LANDLOCK_CREATE_RULESET, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT_SELF = 444, 445, 446  # every arch
_LANDLOCK_RULE_PATH_BENEATH = 1

FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_REMOVE_DIR, FS_REMOVE_FILE, FS_MAKE_CHAR, FS_MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
FS_MAKE_REG, FS_MAKE_SOCK, FS_MAKE_FIFO, FS_MAKE_BLOCK = 1 << 8, 1 << 9, 1 << 10, 1 << 11
FS_MAKE_SYM, FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 12, 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
_READ_RIGHTS = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
# No MAKE_SYM: the judge reads the working folder after the run and must not meet new links.
# No EXECUTE: nothing the student writes can be exec'd.
_WRITE_RIGHTS = (FS_READ_FILE | FS_READ_DIR | FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_DIR
                 | FS_MAKE_REG | FS_MAKE_FIFO | FS_REFER | FS_TRUNCATE | FS_IOCTL_DEV)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is unavailable."""
    try:
        return _syscall(_LANDLOCK_CREATE_RULESET, None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
    except OSError:
        return 0


def _handled_fs(abi: int) -> int:
    handled = (1 << 13) - 1                  # ABI 1: EXECUTE .. MAKE_SYM
    if abi >= 2:
        handled |= FS_REFER
    if abi >= 3:
        handled |= FS_TRUNCATE
    if abi >= 5:
        handled |= FS_IOCTL_DEV
    return handled


def _landlock(readable: list[Path], writable: list[Path]) -> list[str]:
    abi = landlock_abi()
    if abi < 1:
        return []
    handled = _handled_fs(abi)
    attr = _RulesetAttr(handled_access_fs=handled)
    active = ["landlock-fs"]
    if abi >= 4:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP   # no rule grants any port
        active.append("landlock-net")
    if abi >= 6:
        # No signals to, and no abstract sockets of, processes outside this sandbox.
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        active.append("landlock-scope")
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    try:
        ruleset = _syscall(_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    except OSError:
        return []
    try:
        for paths, rights in ((readable, _READ_RIGHTS), (writable, _WRITE_RIGHTS),
                              (_device_paths(), FS_READ_FILE | FS_WRITE_FILE | FS_IOCTL_DEV)):
            for path in paths:
                _add_path_rule(ruleset, Path(path), rights & handled)
        _syscall(_LANDLOCK_RESTRICT_SELF, ruleset, 0)
    except OSError:
        return []
    finally:
        os.close(ruleset)
    return active


def _add_path_rule(ruleset: int, path: Path, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path that is not there needs no rule
    try:
        if not os.path.isdir(f"/proc/self/fd/{fd}"):
            rights &= _FILE_RIGHTS
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        _syscall(_LANDLOCK_ADD_RULE, ruleset, _LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0)
    finally:
        os.close(fd)


_SYSTEM_READABLE = (
    "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin",
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/passwd",
    "/etc/group", "/etc/nsswitch.conf",
    "/proc/self", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat",
    "/sys/devices/system/cpu", "/sys/devices/system/node",
    "/dev/urandom", "/dev/random",
)
_DEVICES_WRITABLE = ("/dev/null", "/dev/zero")
# CUDA in the child (it cannot be inherited across fork) opens and ioctls these; untested here.
_GPU_READABLE = ("/proc/driver/nvidia", "/sys/bus/pci", "/sys/devices")


def _device_paths() -> list[Path]:
    return [Path(p) for p in _DEVICES_WRITABLE] + sorted(Path("/dev").glob("nvidia*"))


def runtime_readable_paths() -> list[Path]:
    """What Python and torch read at run time: the interpreter's prefixes, site-packages, the
    folders of already imported third-party packages, system libraries, a few /etc, /proc and
    /sys files. Deliberately not sys.path as a whole: it may hold the project root."""
    paths = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    paths.update(Path(p) for p in site.getsitepackages())
    user_site = site.getusersitepackages()
    if user_site and os.path.isdir(user_site):
        paths.add(Path(user_site))
    for name in ("torch", "numpy"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            paths.add(Path(module.__file__).parent)
    paths.update(Path(p) for p in _SYSTEM_READABLE)
    if os.path.exists("/dev/nvidiactl"):
        paths.update(Path(p) for p in _GPU_READABLE)
    return sorted(paths)


# --- capabilities -------------------------------------------------------------------------------
class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> bool:
    """Empty the bounding, ambient, effective, permitted and inheritable sets, and lock root's
    special treatment away (securebits), so that exec of a setuid-root file gains nothing."""
    try:
        last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        last = 40
    try:
        _prctl(PR_SET_SECUREBITS, 0xEF)  # NOROOT, NO_SETUID_FIXUP, KEEP_CAPS_LOCKED, NO_CAP_AMBIENT_RAISE (+ locks)
    except OSError:
        pass
    for cap in range(last + 1):
        try:
            _prctl(PR_CAPBSET_DROP, cap)
        except OSError:
            pass
    try:
        _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    except OSError:
        pass
    header = _CapHeader(version=0x20080522, pid=0)   # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    return _libc.capset(ctypes.byref(header), data) == 0


# --- seccomp ------------------------------------------------------------------------------------
_SYSCALLS = {
    "x86_64": dict(arch=0xC000003E, seccomp=317, socket=41, connect=42, bind=49, listen=50, accept=43,
                   accept4=288, clone=56, clone3=435, fork=57, vfork=58, ioctl=16, deny=[
                       101, 310, 311,            # ptrace, process_vm_readv/writev
                       165, 166, 155, 161,       # mount, umount2, pivot_root, chroot
                       272, 308,                 # unshare, setns
                       246, 320, 175, 313, 176,  # kexec_load, kexec_file_load, (f)init/delete_module
                       321, 298, 250, 248, 249,  # bpf, perf_event_open, keyctl, add_key, request_key
                       323, 167, 168, 169, 163,  # userfaultfd, swapon, swapoff, reboot, acct
                       164, 227, 159, 305,       # settimeofday, clock_settime, adjtimex, clock_adjtime
                       170, 171, 172, 173, 179,  # sethostname, setdomainname, iopl, ioperm, quotactl
                       304, 303, 212, 300,       # open_by_handle_at, name_to_handle_at, lookup_dcookie, fanotify_init
                       425, 426, 427,            # io_uring_* (its ops would bypass this filter)
                       428, 429, 430, 431, 432, 433, 442,  # new mount API
                       112, 109,                 # setsid, setpgid: stay in the group the parent kills
                       438, 312, 103, 440, 153, 134,  # pidfd_getfd, kcmp, syslog, process_madvise, vhangup, uselib
                   ]),
    "aarch64": dict(arch=0xC00000B7, seccomp=277, socket=198, connect=203, bind=200, listen=201, accept=202,
                    accept4=242, clone=220, clone3=435, fork=None, vfork=None, ioctl=29, deny=[
                        117, 270, 271, 40, 39, 41, 51, 97, 268, 104, 294, 105, 273, 106,
                        280, 241, 219, 217, 218, 282, 224, 225, 142, 89, 170, 112, 171, 266,
                        161, 162, 60, 265, 264, 18, 262, 425, 426, 427, 428, 429, 430, 431, 432, 433, 442,
                        157, 154, 438, 272, 116, 440, 58,
                    ]),
}

_LD_ABS_W, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_RET_ALLOW, _RET_KILL_PROCESS, _RET_ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_NR, _ARCH = 0, 4


def _arg_low(n: int) -> int:
    return 16 + 8 * n  # low 32 bits of seccomp_data.args[n] (little-endian arches only)


_AF_UNIX, _CLONE_THREAD = 1, 0x00010000
_CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
_TIOCSTI, _TIOCLINUX = 0x5412, 0x541C


def _seccomp_program(table: dict, deny_new_processes: bool) -> list[tuple[int, int, int, int]]:
    eperm, enosys = _RET_ERRNO | errno.EPERM, _RET_ERRNO | errno.ENOSYS

    def ret(value):
        return (_RET, 0, 0, value)

    prog = [(_LD_ABS_W, 0, 0, _ARCH), (_JEQ, 1, 0, table["arch"]), ret(_RET_KILL_PROCESS),
            (_LD_ABS_W, 0, 0, _NR)]
    if table["arch"] == 0xC000003E:
        prog += [(_JGE, 0, 1, 0x40000000), ret(eperm)]          # x32 syscalls
    denied = list(table["deny"]) + [table[n] for n in ("connect", "bind", "listen", "accept", "accept4")]
    if deny_new_processes:
        denied += [n for n in (table["fork"], table["vfork"]) if n is not None]
    for number in denied:
        prog += [(_JEQ, 0, 1, number), ret(eperm)]
    # clone3 hides its flags in memory the filter cannot read: glibc falls back to clone.
    prog += [(_JEQ, 0, 1, table["clone3"]), ret(enosys)]
    prog += [(_JEQ, 0, 4, table["socket"]), (_LD_ABS_W, 0, 0, _arg_low(0)),
             (_JEQ, 1, 0, _AF_UNIX), ret(eperm), ret(_RET_ALLOW)]
    prog += [(_JEQ, 0, 5, table["ioctl"]), (_LD_ABS_W, 0, 0, _arg_low(1)),
             (_JEQ, 2, 0, _TIOCSTI), (_JEQ, 1, 0, _TIOCLINUX), ret(_RET_ALLOW), ret(eperm)]
    clone = [(_LD_ABS_W, 0, 0, _arg_low(0)), (_JSET, 0, 1, _CLONE_NAMESPACES), ret(eperm)]
    if deny_new_processes:
        clone += [(_JSET, 0, 1, _CLONE_THREAD), ret(_RET_ALLOW), ret(eperm)]
    else:
        clone += [ret(_RET_ALLOW)]
    prog += [(_JEQ, 0, len(clone), table["clone"]), *clone]
    prog.append(ret(_RET_ALLOW))
    return prog


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


def _seccomp(*, deny_new_processes: bool) -> bool:
    table = _SYSCALLS.get(platform.machine())
    if table is None:
        return False
    program = _seccomp_program(table, deny_new_processes)
    filters = (_SockFilter * len(program))(*program)
    fprog = _SockFprog(len(program), filters)
    try:
        _syscall(table["seccomp"], 1, 1, ctypes.byref(fprog))  # SET_MODE_FILTER, FLAG_TSYNC
        return True
    except OSError:
        pass
    try:
        _prctl(PR_SET_SECCOMP, 2, ctypes.addressof(fprog))
        return True
    except OSError:
        return False


# --- cgroups: used by the parent ----------------------------------------------------------------
def _cgroup_mounts() -> dict[str, Path]:
    """Mount point per v1 controller ("memory", "pids"), and "unified" for cgroup v2."""
    mounts: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return mounts
    for line in lines:
        left, _, right = line.partition(" - ")
        fstype, _, options = (right.split() + ["", "", ""])[:3]
        mount_point = Path(left.split()[4].replace("\\040", " "))
        if fstype == "cgroup2":
            mounts.setdefault("unified", mount_point)
        elif fstype == "cgroup":
            for option in options.split(","):
                if option in ("memory", "pids"):
                    mounts.setdefault(option, mount_point)
    return mounts


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and "unified" for v2."""
    own: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return own
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            own["unified"] = path
        for controller in controllers.split(","):
            if controller in ("memory", "pids"):
                own[controller] = path
    return own


def own_pids_limit() -> int | None:
    """The pids.max of the cgroup this process is in, None when unbounded or unknown."""
    mounts, own = _cgroup_mounts(), _own_cgroups()
    for key in ("pids", "unified"):
        if key in mounts and key in own:
            try:
                value = (mounts[key] / own[key].lstrip("/") / "pids.max").read_text().strip()
            except OSError:
                continue
            if value.isdigit():
                return int(value)
    return None


def _read_counter(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


class Cgroup:
    """A memory + pids cgroup for one child, created by the parent (v1 or v2).

    `Cgroup.create` returns None, with a warning, where cgroups are not writable. The child
    should join it (`add(os.getpid())`) before `confine`, or the parent adds it before the
    child runs anything; `confine` then allows new processes since pids.max bounds them.
    """

    def __init__(self, version: int, memory_dir: Path | None, pids_dir: Path | None):
        self.version, self.memory_dir, self.pids_dir = version, memory_dir, pids_dir

    @property
    def dirs(self) -> list[Path]:
        return list(dict.fromkeys(d for d in (self.memory_dir, self.pids_dir) if d is not None))

    @classmethod
    def create(cls, name: str, limits: Limits) -> Cgroup | None:
        name = "grader-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        mounts, own = _cgroup_mounts(), _own_cgroups()
        try:
            if "memory" in mounts or "pids" in mounts:
                group = cls._create_v1(name, limits, mounts, own)
            elif "unified" in mounts:
                group = cls._create_v2(name, limits, mounts["unified"], own.get("unified", "/"))
            else:
                raise OSError("no cgroup hierarchy is mounted")
        except OSError as exc:
            warnings.warn(f"cgroups not available ({exc}); memory and process limits rely on rlimits and seccomp",
                          RuntimeWarning, stacklevel=2)
            return None
        return group

    @classmethod
    def _create_v1(cls, name, limits, mounts, own) -> Cgroup:
        made: dict[str, Path] = {}
        try:
            for controller in ("memory", "pids"):
                if controller not in mounts:
                    continue
                folder = mounts[controller] / own.get(controller, "/").lstrip("/") / name
                folder.mkdir()
                made[controller] = folder
            group = cls(1, made.get("memory"), made.get("pids"))
            group.set_limits(limits)
        except OSError:
            for folder in made.values():
                _rmdir_quietly(folder)
            raise
        return group

    @classmethod
    def _create_v2(cls, name, limits, mount: Path, own: str) -> Cgroup:
        # A v2 cgroup with processes cannot delegate controllers to children (unless it is the
        # root), so next to our own cgroup is tried when below it does not work.
        own_dir = mount / own.lstrip("/")
        last_error: OSError = OSError("no usable parent cgroup")
        for parent in [own_dir] if own_dir == mount else [own_dir, own_dir.parent]:
            folder = parent / name
            try:
                (parent / "cgroup.subtree_control").write_text("+memory +pids")
                folder.mkdir()
            except OSError as exc:
                last_error = exc
                continue
            group = cls(2, folder, folder)
            try:
                group.set_limits(limits)
                for knob, value in (("memory.swap.max", "0"), ("memory.oom.group", "1")):
                    try:
                        (folder / knob).write_text(value)
                    except OSError:
                        pass
            except OSError as exc:
                _rmdir_quietly(folder)
                last_error = exc
                continue
            return group
        raise last_error

    def set_limits(self, limits: Limits) -> None:
        """Memory (swap included, where the kernel accounts it) and the number of processes."""
        if self.memory_dir is not None:
            if self.version == 1:
                (self.memory_dir / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
                memsw = self.memory_dir / "memory.memsw.limit_in_bytes"
                if memsw.exists():   # no escaping the limit into swap
                    memsw.write_text(str(limits.memory_bytes))
            else:
                (self.memory_dir / "memory.max").write_text(str(limits.memory_bytes))
        if self.pids_dir is not None:
            (self.pids_dir / "pids.max").write_text(str(limits.max_pids))

    def add(self, pid: int) -> None:
        for folder in self.dirs:
            (folder / "cgroup.procs").write_text(str(pid))

    def pids(self) -> set[int]:
        found: set[int] = set()
        for folder in self.dirs:
            try:
                found.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return found

    def memory_peak(self) -> int | None:
        if self.memory_dir is None:
            return None
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.memory_dir / name).read_text())
        except (OSError, ValueError):
            return None

    def oom_killed(self) -> bool:
        if self.memory_dir is None:
            return False
        if self.version == 1:
            return _read_counter(self.memory_dir / "memory.oom_control", "oom_kill") > 0
        return _read_counter(self.memory_dir / "memory.events", "oom_kill") > 0

    def pids_exceeded(self) -> bool:
        """Whether a fork or thread creation was refused by pids.max."""
        if self.pids_dir is None:
            return False
        return _read_counter(self.pids_dir / "pids.events", "max") > 0

    def kill_all(self) -> None:
        if self.version == 2 and self.memory_dir is not None:
            try:
                (self.memory_dir / "cgroup.kill").write_text("1")
                return
            except OSError:
                pass
        deadline = time.monotonic() + 5.0   # killed processes cannot fork; a loaded machine reaps slowly
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.005)

    def remove(self) -> None:
        self.kill_all()
        for folder in self.dirs:
            for _ in range(50):   # exiting processes leave the cgroup a moment after SIGKILL
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)

    def __enter__(self) -> Cgroup:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _rmdir_quietly(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


# --- watch: the parent's clock ------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    exit_code: int | None            # None when ended by a signal
    signal: int | None
    limit: LimitHit | None           # the limit that ended the run; None when it ended by itself
    limits_hit: frozenset[LimitHit]  # every limit reached, even one the code survived
    wall_s: float
    cpu_s: float
    memory_peak: int | None          # bytes: the cgroup's peak, else the child's max RSS
    output: bytes                    # captured stdout + stderr, at most limits.output_bytes

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.limit is None


def _kill_group(pid: int, cgroup: Cgroup | None) -> None:
    for kill in (os.killpg, os.kill):   # the child leads its process group once confined
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if cgroup is not None:
        cgroup.kill_all()


def watch(pid: int, limits: Limits, cgroup: Cgroup | None = None, *, output_fd: int | None = None,
          started: float | None = None) -> Outcome:
    """Wait for child `pid` (ours, forked at `started`, a time.monotonic()) while reading its
    stdout/stderr from `output_fd`; SIGKILL its process group and cgroup when the wall clock
    or the output budget runs out. Reaps the child and closes `output_fd`."""
    started = time.monotonic() if started is None else started
    deadline = started + limits.wall_s
    output = bytearray()
    killed_for: LimitHit | None = None
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    poller = select.poll()
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    if output_fd is not None:
        poller.register(output_fd, select.POLLIN)
    reading = output_fd is not None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                killed_for = LimitHit.WALL_TIME
                break
            # Without a pidfd, poll in short steps and look at the child with waitid.
            step = left if pidfd is not None else min(left, 0.02)
            events = poller.poll(max(1, int(step * 1000)))
            if pidfd is None and _has_exited(pid):
                break
            if any(fd == pidfd for fd, _ in events):
                break
            if reading and any(fd == output_fd for fd, _ in events):
                chunk = os.read(output_fd, 65536)
                if not chunk:
                    poller.unregister(output_fd)
                    reading = False
                    continue
                output += chunk
                if len(output) > limits.output_bytes:
                    killed_for = LimitHit.OUTPUT
                    break
        _kill_group(pid, cgroup)
        if reading:
            _drain(output_fd, output, limits.output_bytes)
    finally:
        if pidfd is not None:
            os.close(pidfd)
        if output_fd is not None:
            os.close(output_fd)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - started
    return _outcome(status, usage, limits, cgroup, killed_for, wall, bytes(output[:limits.output_bytes]))


def _has_exited(pid: int) -> bool:
    result = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return result is not None


def _drain(fd: int, output: bytearray, limit: int) -> None:
    """What the (now killed) writers left in the pipe; never blocks on a writer that escaped."""
    while len(output) <= limit:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            return
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        output += chunk


def _outcome(status: int, usage, limits: Limits, cgroup: Cgroup | None, killed_for: LimitHit | None,
             wall: float, output: bytes) -> Outcome:
    exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    cpu = usage.ru_utime + usage.ru_stime
    hit: set[LimitHit] = {killed_for} if killed_for else set()
    if (cgroup is not None and cgroup.oom_killed()) or exit_code == MEMORY_ERROR_EXIT_CODE:
        hit.add(LimitHit.MEMORY)
    if cgroup is not None and cgroup.pids_exceeded():
        hit.add(LimitHit.PIDS)
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and killed_for is None and cpu >= limits.cpu_s):
        hit.add(LimitHit.CPU_TIME)
    if sig == signal.SIGXFSZ:
        hit.add(LimitHit.FILE_SIZE)
    ended_by_limit = exit_code != 0 or killed_for is not None
    cause = next((h for h in _CAUSE_ORDER if h in hit), None) if ended_by_limit else None
    peak = cgroup.memory_peak() if cgroup is not None else None
    if peak is None:
        peak = usage.ru_maxrss * 1024
    return Outcome(exit_code, sig, cause, frozenset(hit), wall, cpu, peak, output)


# --- probe ----------------------------------------------------------------------------------------
def probe_protections(limits: Limits = Limits()) -> list[str]:
    """Fork a throwaway child that confines itself and reports what is active here, plus
    "cgroup-memory"/"cgroup-pids" when the parent can create cgroups. For a run header."""
    cgroup = Cgroup.create(f"probe-{os.getpid()}", limits) if cgroups_writable() else None
    read_end, write_end = os.pipe()
    with tempfile.TemporaryDirectory(prefix="grader-probe-") as workdir:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(read_end)
                if cgroup is not None:
                    cgroup.add(os.getpid())
                active = confine(Path(workdir), limits, readable=[], writable=[])
                os.write(write_end, json.dumps(active).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        chunks = []
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
        os.close(read_end)
        os.waitpid(pid, 0)
    try:
        active = json.loads(b"".join(chunks) or b"[]")
    except ValueError:
        active = []
    if cgroup is not None:
        active += [f"cgroup-{kind}" for kind, folder in (("memory", cgroup.memory_dir), ("pids", cgroup.pids_dir))
                   if folder is not None]
        cgroup.remove()
    return active


def cgroups_writable() -> bool:
    """Whether this process may create cgroups below its own (memory, pids or v2)."""
    mounts, own = _cgroup_mounts(), _own_cgroups()
    for key in ("memory", "pids", "unified"):
        if key in mounts and os.access(mounts[key] / own.get(key, "/").lstrip("/"), os.W_OK):
            return True
    return False


_cgroups_writable = cgroups_writable   # the name zygote.py used first


__all__ = ["Limits", "LimitHit", "Outcome", "Cgroup", "confine", "watch", "probe_protections",
           "runtime_readable_paths", "landlock_abi", "own_pids_limit", "cgroups_writable", "MEMORY_ERROR_EXIT_CODE"]

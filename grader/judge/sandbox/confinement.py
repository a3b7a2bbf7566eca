"""The child's side: confine a freshly forked process before any student code runs.

`confine` makes it a session leader that dies with its parent, with rlimits, no_new_privs,
Landlock, no capabilities, a seccomp filter and only the descriptors it needs. Each is best
effort, and `confine` returns the names of those actually active.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import signal
import site
import sys
from collections.abc import Iterable
from pathlib import Path

from grader.judge.sandbox.cgroups import own_pids_limit
from grader.judge.sandbox.limits import Limits

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


def die_with_parent() -> None:
    """If the process that forked this one dies, this one is killed too (raises OSError if refused)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


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
        die_with_parent()  # if the zygote dies, its children die with it
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


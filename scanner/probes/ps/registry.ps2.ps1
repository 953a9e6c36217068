# The registry on .NET 2.0 (no RegistryView): the process's own view. A remote session runs in WinRM's
# plug-in host wsmprovhost.exe, a 64-bit process on x64 Windows, so this is the 64-bit view there too.
function Get-ExHklm { return [Microsoft.Win32.Registry]::LocalMachine }
function Get-ExHkcu { return [Microsoft.Win32.Registry]::CurrentUser }

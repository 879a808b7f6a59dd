<#
.SYNOPSIS
  Make the kiosk the shell of the kiosk account (Windows 10/11 Enterprise or
  Education, IoT Enterprise: Shell Launcher v1).

.DESCRIPTION
  The kiosk account logs in automatically (Sysinternals Autologon or the
  "AutoAdminLogon" registry values, set by the IT person) and gets the kiosk
  instead of Explorer. Shell Launcher restarts the kiosk on any exit except
  10, the code of "the mediator left kiosk mode"; then the session logs off
  so an administrator can log in. Other accounts keep Explorer.

  Run as administrator:
    .\install-shell-launcher.ps1 -KioskUser kiosk -BundleDir C:\Program Files\kiosk
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$KioskUser,
    [string]$BundleDir = "$env:ProgramFiles\kiosk"
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$LeaveKioskModeExit = 10
$exe = Join-Path $BundleDir 'kiosk.exe'
if (-not (Test-Path $exe)) {
    throw "$exe is not there: copy the bundle (dist\kiosk) to $BundleDir first."
}

# Shell Launcher is an optional feature of Enterprise and Education editions.
$feature = Get-WindowsOptionalFeature -Online -FeatureName 'Client-EmbeddedShellLauncher'
if ($feature.State -ne 'Enabled') {
    Enable-WindowsOptionalFeature -Online -FeatureName 'Client-EmbeddedShellLauncher' -NoRestart | Out-Null
    Write-Host 'Shell Launcher enabled; restart the machine, then run this script again.'
    exit 0
}

$namespace = 'root\standardcimv2\embedded'
$shellLauncher = [wmiclass]"\\localhost\${namespace}:WESL_UserSetting"

# What Shell Launcher does when the shell exits (its documented codes).
$RestartShell = 0
$LogOff = 3

$account = New-Object System.Security.Principal.NTAccount($KioskUser)
$sid = $account.Translate([System.Security.Principal.SecurityIdentifier]).Value

$command = "`"$exe`" run --kiosk-mode"
$exitActions = @{ $LeaveKioskModeExit = $LogOff }
# Run again: replace the kiosk account's shell rather than add a second one.
try { $shellLauncher.RemoveCustomShell($sid) | Out-Null } catch { Write-Verbose 'no shell yet' }
# Any exit but the mediator's restarts the kiosk; the mediator's logs off.
$shellLauncher.SetCustomShell(
    $sid, $command, ([int[]]$exitActions.Keys), ([int[]]$exitActions.Values), $RestartShell
) | Out-Null
$shellLauncher.SetDefaultShell('explorer.exe', $RestartShell) | Out-Null
$shellLauncher.SetEnabled($true) | Out-Null

Write-Host "The kiosk is the shell of $KioskUser; other accounts keep Explorer."
Write-Host "Its key store is the Windows Credential Manager of $KioskUser (key_store = keyring)."
Write-Host "Check the terminal with: & `"$exe`" doctor"

<#
.SYNOPSIS
  Start the kiosk at the kiosk account's logon and restart it when it ends,
  for Windows editions without Shell Launcher (Home, Pro).

.DESCRIPTION
  A weaker fallback than Shell Launcher: Explorer still runs behind the
  kiosk's full-screen window. The task runs a small loop that starts the
  kiosk again after any exit except 10 ("the mediator left kiosk mode").

  Run as administrator:
    .\install-scheduled-task.ps1 -KioskUser kiosk -BundleDir C:\Program Files\kiosk
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

# The loop the task runs: restart after a crash, stop when the mediator leaves.
$loop = @"
`$ErrorActionPreference = 'Continue'
while (`$true) {
    `$p = Start-Process -FilePath '$exe' -ArgumentList 'run','--kiosk-mode' -Wait -PassThru
    if (`$p.ExitCode -eq $LeaveKioskModeExit) { break }
    Start-Sleep -Seconds 2
}
"@
$loopFile = Join-Path $BundleDir 'kiosk-loop.ps1'
Set-Content -Path $loopFile -Value $loop -Encoding UTF8

$action = New-ScheduledTaskAction -Execute 'powershell.exe' `
    -Argument "-NoProfile -WindowStyle Hidden -ExecutionPolicy Bypass -File `"$loopFile`""
$trigger = New-ScheduledTaskTrigger -AtLogOn -User $KioskUser
$principal = New-ScheduledTaskPrincipal -UserId $KioskUser -LogonType Interactive -RunLevel Limited
$settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
    -ExecutionTimeLimit ([TimeSpan]::Zero) -MultipleInstances IgnoreNew
Register-ScheduledTask -TaskName 'Kiosk' -Action $action -Trigger $trigger `
    -Principal $principal -Settings $settings -Force | Out-Null

Write-Host "The kiosk starts at $KioskUser's logon and comes back after any exit but the mediator's."

-- Argo CD health of a Keyward ApiKey, ToolSecret or ToolGrant (keyward.dev/v1alpha1), from its
-- status.
-- Healthy: Active, Revoked or (a ToolGrant) Ready, with Ready=True (a revoked credential is the
-- state asked for).
-- Progressing: not reconciled yet, or the status describes an older generation of the spec.
-- Degraded: Failed, Expired, Active with Ready=False (a ToolSecret in DefaultConflict), or a
-- ToolGrant Incomplete: an agent lacks some of its tools' values until someone seals them.
local hs = {}
local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for Keyward to reconcile"
  return hs
end
local generation = obj.metadata.generation
local observed = status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Keyward has not reconciled generation " .. tostring(generation) .. " yet"
  return hs
end
local ready = nil
if status.conditions ~= nil then
  for _, condition in ipairs(status.conditions) do
    if condition.type == "Ready" then
      ready = condition
    end
  end
end
local phase = status.phase
hs.message = phase
if ready ~= nil and ready.reason ~= nil then
  hs.message = phase .. " (" .. ready.reason .. ")"
end
if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
  hs.message = hs.message .. ": " .. ready.message
end
if phase == "Pending" then
  hs.status = "Progressing"
elseif phase == "Active" or phase == "Revoked" or phase == "Ready" then
  if ready ~= nil and ready.status == "True" then
    hs.status = "Healthy"
  else
    hs.status = "Degraded"
  end
elseif phase == "Expired" or phase == "Failed" or phase == "Incomplete" then
  hs.status = "Degraded"
else
  hs.status = "Unknown"
end
return hs
